"""Alerts: when someone publishes or changes something, the people who follow it hear of it.

1. An object event (added or modified) fired during a request records a *pending alert* for the
   item in `root.alerts.pending`, in the request's own transaction: an aborted request records
   nothing. Changes made by console scripts (imports, benchmarks) alert nobody.
2. Changes to one item within 15 minutes join one pending alert (`WINDOW`).
3. `process_alerts()` (the `conseils-alerts` script, every few minutes) sends the alerts whose
   window has closed. Recipients are decided then, from the item as it is now: an item that was
   deleted, or made less visible, reaches only those who may still see it. Never its author, nor
   whoever made the changes.

Who hears of what (the *audience*; each person once, under the first kind that applies):

- a council's document, action report or event: the members of that council (as `document`,
  `action_report`, `event`), and the members of the councils sharing a working group with it
  (as `group`, « activité de mes groupes de travail »);
- a forum reply (`kind = "forum_reply"`): the followers of its topic (`topic.followers`), as
  `forum`;
- anything else with a `group_id` and an `author_id` (a group forum's topics, a group space's
  pages): the members of the group's councils, as `group`.

Then only those allowed to view the item (its ACL, with the principals of
`security.principals.compute_principals`) and active; and each person's preferences decide the
channel and the moment (notify/preferences.py): immediately, or a line in a daily or weekly digest.
"""
import dataclasses
import datetime
import hashlib
import uuid

from hypatia.query import Eq
from pyramid.threadlocal import get_current_request
from pyramid.traversal import find_root

from .. import types
from ..resources.events import ObjectAdded, ObjectModified
from ..resources.forum import Topic
from ..security.sanitize import html_to_text
from . import clock
from .access import available, may_view
from .dispatch import CAPPED, Dispatcher
from .links import absolute, short_link
from .preferences import CATEGORY_LABELS, DAILY, IMMEDIATE, WEEKLY, frequency
from .render import MailBody
from .sms import fit_sms
from .store import DigestEntry, PendingAlert

WINDOW = datetime.timedelta(minutes=15)
BATCH = 50  # alerts per transaction
UNDECLARED = types.ContentType("", object, "", "", "Nouveau contenu", "Contenu modifié")
# Who may see the item, said to any reader (security/visibility.py speaks to the author).
AUDIENCES = {
    "conseil": "les membres du conseil",
    "groupes": "les membres du conseil et des conseils de ses groupes de travail",
    "membres": "tous les conseillers citoyens inscrits",
    "public": "tout le monde",
}
EXCERPT = 300


# --- what alerts -----------------------------------------------------------------------------

def alert_family(obj):
    """'council', 'forum' or 'group' for the objects that alert; None for the others.
    The kind's declaration says 'forum' (a reply) or 'council'; anything authored in a group
    is group activity first."""
    if getattr(obj, "kind", None) is None:
        return None
    declared = types.of(obj)
    family = declared.alert_family if declared is not None else None
    if family == "forum":
        return "forum"
    if getattr(obj, "group_id", None) and getattr(obj, "author_id", None) is not None:
        return "group"
    if family == "council" and getattr(obj, "council_id", None):
        return "council"
    return None


def item_key(obj):
    """Stable between requests: the object's id, else its catalog docid."""
    stable = getattr(obj, "id", None)
    if stable:
        return f"id:{stable}"
    docid = getattr(obj, "_docid", None)
    return f"doc:{docid}" if docid is not None else None


def record_change(center, obj, added, at=None, actor_id=None):
    """Open (or join) the item's pending alert."""
    at = at or clock.now()
    key = item_key(obj) or f"new:{uuid.uuid4().hex}"
    pending = center.pending.get(key)
    if pending is None:
        center.pending[key] = PendingAlert(key, obj, added, at, actor_id)
    else:
        pending.merge(added, at, actor_id)


def _on_event(event):
    obj = event.object
    family = alert_family(obj)
    if family is None:
        return
    added = isinstance(event, ObjectAdded)
    if not added and family != "council":
        return  # edits of forum messages and group pages alert nobody
    request = get_current_request()
    if request is None:
        return  # console scripts: imports and benchmarks alert nobody
    root = find_root(event.parent if event.parent is not None else obj)
    center = getattr(root, "alerts", None)
    if center is None:
        return
    actor = getattr(request, "user", None)
    record_change(center, obj, added, clock.now(), getattr(actor, "id", None))


def includeme(config):
    config.add_subscriber(_on_event, ObjectAdded)
    config.add_subscriber(_on_event, ObjectModified)


# --- who may hear of it ----------------------------------------------------------------------

def council_members(catalog, council_id):
    query = Eq(catalog.indexes["kind"], "user") & Eq(catalog.indexes["councils"], council_id)
    return list(query.execute(resolver=catalog.get))


def group_of(catalog, group_id):
    group = catalog.by_id(group_id) if group_id else None
    return group if getattr(group, "kind", None) == "group" else None


def topic_of(item):
    topic = getattr(item, "topic", None)
    if topic is None:
        parent = getattr(item, "__parent__", None)
        if isinstance(parent, Topic):
            topic = parent
    return topic


def audience(root, item):
    """[(user, kind of alert)] before permissions and preferences; each person once."""
    catalog = root.catalog
    found = {}

    def add(users, category):
        for user in users:
            if user is not None and user.id not in found:
                found[user.id] = (user, category)

    family = alert_family(item)
    if family == "forum":
        followers = getattr(topic_of(item), "followers", None) or ()
        add((root.users.get(user_id) for user_id in followers), "forum")
    elif family == "group":
        group = group_of(catalog, item.group_id)
        for council_id in sorted(getattr(group, "council_ids", ()) or ()):
            add(council_members(catalog, council_id), "group")
    elif family == "council":
        add(council_members(catalog, item.council_id), types.of(item).alert_category)
        council = catalog.by_id(item.council_id)
        for group_id in getattr(council, "group_ids", ()):
            group = group_of(catalog, group_id)
            for council_id in sorted(getattr(group, "council_ids", ()) or ()):
                if council_id != item.council_id:
                    add(council_members(catalog, council_id), "group")
    return list(found.values())


def recipients(root, item, exclude=()):
    """[(user, kind of alert)] of the people allowed to see the item, never its author."""
    catalog = root.catalog
    excluded = set(exclude) | {getattr(item, "author_id", None)}
    return [(user, category) for user, category in audience(root, item)
            if user.id not in excluded and may_view(item, user, catalog)]


def signature(item):
    """What people see of an item, in short: an unchanged one means a save that alerts nobody."""
    parts = [getattr(item, name, None) for name in (
        "title", "visibility", "start", "end", "place", "cancelled", "description", "text",
        "date", "mode")]
    attachments = getattr(item, "attachments", None)
    parts.append(len(attachments()) if callable(attachments) else None)
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:20]


# --- what it says ----------------------------------------------------------------------------

@dataclasses.dataclass
class Described:
    subject: str
    lead: str
    where: str
    facts: list
    button: str
    url: str
    short_url: str
    sms: str
    excerpt: str = ""


def where_of(root, item):
    """The council, the working group or the forum topic an item belongs to, as a heading."""
    family = alert_family(item)
    if family == "forum":
        return f"Forum : {getattr(topic_of(item), 'title', '')}"
    if family == "group":
        group = group_of(root.catalog, item.group_id)
        return f"Groupe de travail {group.title}" if group is not None else "Groupe de travail"
    council = root.catalog.by_id(getattr(item, "council_id", None))
    return council.title if council is not None else "Conseil"


def author_name(root, item):
    author = root.users.get(getattr(item, "author_id", None) or "")
    return author.title if author is not None else "Un membre"


def item_title(item):
    title = getattr(item, "title", "") or ""
    if not title and alert_family(item) == "forum":
        title = getattr(topic_of(item), "title", "") or ""
    return title


def describe(root, item, added, base):
    declared = types.of(item) or UNDECLARED
    title = item_title(item)
    where = where_of(root, item)
    cancelled = declared.is_cancelled(item)
    if cancelled:
        noun = declared.cancelled
    else:
        noun = declared.new if added else declared.changed
    subject = f"{noun} : {title}"
    who = author_name(root, item)
    family = declared.alert_family
    if family == "forum":
        lead = f"{who} a répondu au sujet « {title} » du forum."
    elif cancelled:
        lead = f"{declared.the} « {title} » ({where}) est annulé."
    elif added:
        lead = f"{who} ({where}) a publié : « {title} »."
    else:
        lead = f"« {title} » ({where}) a été modifié."
    facts = list(declared.alert_facts(item))
    visibility = getattr(item, "visibility", None)
    if visibility in AUDIENCES:
        facts.append(("Qui peut le voir", AUDIENCES[visibility]))
    excerpt = ""
    if declared.excerpt_in_alert:
        excerpt = " ".join(html_to_text(getattr(item, "text", "") or "").split())
        if len(excerpt) > EXCERPT:
            excerpt = excerpt[:EXCERPT].rsplit(" ", 1)[0] + "…"
    url = absolute(base, item)
    short = short_link(base, item)
    sms_where = "Forum" if family == "forum" else where
    sms = f"{sms_where} : {noun.lower()} « {title} »{declared.sms_day(item)}"
    return Described(subject, lead, where, facts, declared.button, url, short, sms,
                     f"« {excerpt} »" if excerpt else "")


def preferences_url(base):
    return f"{base}/mon-profil#alertes"


def alert_mail(user, described, category, base, notice=None):
    body = MailBody(f"Bonjour {user.first_name},")
    body.paragraph(described.lead)
    body.paragraph(described.excerpt)
    body.facts(described.facts)
    body.paragraph(notice)
    body.button(described.button, described.url)
    body.footer(f"Vous recevez ce courriel car vous avez demandé les alertes « "
                f"{CATEGORY_LABELS[category]} » immédiatement.",
                [("Gérer mes alertes", preferences_url(base))])
    return body


# --- sending ---------------------------------------------------------------------------------

@dataclasses.dataclass
class AlertReport:
    alerts: int = 0  # pending alerts that were due
    dropped: int = 0  # item gone, or nothing visible changed
    people: int = 0  # people told at once
    digested: int = 0  # lines added to digests
    emails: int = 0
    sms: int = 0
    capped: int = 0
    failures: list = dataclasses.field(default_factory=list)

    def __str__(self):
        capped = f", {self.capped} SMS passé(s) au courriel (plafond mensuel)" if self.capped \
            else ""
        failed = f", {len(self.failures)} échec(s)" if self.failures else ""
        return (f"Alertes : {self.alerts} traitée(s) ({self.dropped} sans objet), "
                f"{self.people} personne(s) prévenue(s) tout de suite, {self.digested} ligne(s) "
                f"ajoutée(s) aux résumés ; {self.emails} courriel(s), {self.sms} SMS"
                f"{capped}{failed}")


def due(center, now):
    return [key for key, pending in center.pending.items() if pending.first_at + WINDOW <= now]


def deliver(root, pending, sender, report):
    """Send one pending alert now; its recipients are decided from the item as it is now."""
    item, center, catalog = pending.item, root.alerts, root.catalog
    if not available(catalog, item):
        report.dropped += 1
        return
    current = signature(item)
    if not pending.added and center.signatures.get(pending.key) == current:
        report.dropped += 1
        return
    center.signatures[pending.key] = current
    described = describe(root, item, pending.added, sender.base)
    for user, category in recipients(root, item, exclude=pending.actor_ids):
        told = False
        email_sent = False
        sms_choice = frequency(user, "sms", category)
        email_choice = frequency(user, "email", category)
        about = item_key(item)  # each message re-checked when it leaves
        if sms_choice == IMMEDIATE:
            status = sender.sms(user, fit_sms(described.sms, described.short_url), about=about)
            told = status != CAPPED and status != "off"
            if status == CAPPED and email_choice != IMMEDIATE:
                email_sent = sender.email(user, described.subject, alert_mail(
                    user, described, category, sender.base, sender.cap_notice()), "alertes",
                    about=about)
                told = True
        elif sms_choice in (DAILY, WEEKLY):
            center.add_to_digest(user.id, "sms", sms_choice, DigestEntry(
                pending.key, item, category, pending.added, pending.last_at))
            report.digested += 1
        if email_choice == IMMEDIATE and not email_sent:
            sender.email(user, described.subject,
                         alert_mail(user, described, category, sender.base), "alertes",
                         about=about)
            told = True
        elif email_choice in (DAILY, WEEKLY):
            center.add_to_digest(user.id, "email", email_choice, DigestEntry(
                pending.key, item, category, pending.added, pending.last_at))
            report.digested += 1
        report.people += told


def process_alerts(root, settings, tm, now=None, progress=None, batch=BATCH):
    """Send every pending alert whose window has closed; commits every `batch` alerts."""
    now = now or clock.now()
    center = root.alerts
    sender = Dispatcher(root, settings, tm, now=now)
    report = AlertReport()
    keys = due(center, now)
    for n, key in enumerate(keys, 1):
        pending = center.pending.get(key)
        if pending is not None:
            deliver(root, pending, sender, report)
            del center.pending[key]
            report.alerts += 1
        if n % batch == 0:
            tm.commit()
            tm.begin()
        if progress:
            progress(n, len(keys))
    center.forget_sms_counts(clock.month_key(now))
    report.emails, report.sms = sender.counts.emails, sender.counts.sms
    report.capped, report.failures = sender.counts.capped, sender.counts.failures
    return report

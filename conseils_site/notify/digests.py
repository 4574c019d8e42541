"""Daily (07:30) and weekly (Monday 07:30) digests: what people chose not to hear of at once.

Each digest starts with « À venir cette semaine », the events of the next seven days the person
may see in their councils and groups, then the news grouped by council or group, newest first.
Every line is checked again when the digest leaves: an item deleted or no longer visible to the
person is left out, and a digest left empty is not sent. By SMS a digest is one line and a link;
past the monthly SMS cap it comes by email.

The day (or Monday) of the last run is kept per period, so running the script again the same
day sends nothing twice, and a day the script could not run is caught up at its next run."""
import dataclasses
import datetime

from hypatia.query import Any, Eq, InRange

from ..dates import format_datetime, format_span
from ..resources.content import PARIS
from ..security.principals import compute_principals
from . import clock
from .access import available, may_view
from .alerts import absolute, describe, preferences_url, where_of
from .dispatch import CAPPED, SENT, Dispatcher
from .preferences import CATEGORY_LABELS, DAILY, WEEKLY
from .render import Entry, MailBody
from .sms import fit_sms

PERIOD_LABELS = {DAILY: ("du jour", "quotidien"), WEEKLY: ("de la semaine", "hebdomadaire")}
UPCOMING = datetime.timedelta(days=7)
UPCOMING_LIMIT = 15


@dataclasses.dataclass
class DigestReport:
    emails: int = 0
    sms: int = 0
    empty: int = 0
    failures: list = dataclasses.field(default_factory=list)

    def __str__(self):
        return (f"Résumés : {self.emails} par courriel, {self.sms} par SMS, "
                f"{self.empty} vide(s) non envoyé(s)")


def periods_due(center, now):
    """[(period, day to record, cutoff)]: the digests to send now. A digest holds what arrived
    before its cutoff (today 07:30, or this Monday 07:30); what came later waits for the next
    one, so a run late in the week catches up a missed Monday without sending this week's news
    early."""
    local = clock.paris(now)
    today = local.date()
    due = []
    cutoff = datetime.datetime.combine(today, clock.DIGEST_TIME, PARIS)
    if local >= cutoff and center.digest_runs.get(DAILY) != today.isoformat():
        due.append((DAILY, today.isoformat(), cutoff))
    monday = today - datetime.timedelta(days=today.weekday())
    cutoff = datetime.datetime.combine(monday, clock.DIGEST_TIME, PARIS)
    if local >= cutoff and center.digest_runs.get(WEEKLY) != monday.isoformat():
        due.append((WEEKLY, monday.isoformat(), cutoff))
    return due


def upcoming_events(root, user, now):
    """Events of the next 7 days in the person's councils and groups that they may see."""
    catalog = root.catalog
    principals = compute_principals(user, catalog)
    councils = [p.split(":", 1)[1] for p in principals if p.startswith("groupmate:")]
    if not councils:
        return []
    query = (Eq(catalog.indexes["kind"], "event")
             & InRange(catalog.indexes["start"], now.timestamp(), (now + UPCOMING).timestamp())
             & Any(catalog.indexes["councils"], councils)
             & Any(catalog.indexes["allowed"], principals))
    results = query.execute(resolver=catalog.get).sort(catalog.indexes["start"],
                                                       limit=UPCOMING_LIMIT)
    return list(results)


def digest_mail(root, user, period, entries, upcoming, base):
    when, adjective = PERIOD_LABELS[period]
    body = MailBody(f"Bonjour {user.first_name},")
    count = len(entries)
    body.paragraph(f"Voici votre résumé {when} : {count} nouveauté{'s' if count > 1 else ''} "
                   "dans vos conseils, vos groupes de travail et le forum.")
    if upcoming:
        body.heading("À venir cette semaine")
        body.items([Entry(event.title + (" (annulé)" if event.cancelled else ""),
                          absolute(base, event), format_span(event.start, event.end)
                          + (f" — {event.place}" if event.place else ""))
                    for event in upcoming])
    groups = {}
    for entry in sorted(entries, key=lambda e: e.at, reverse=True):
        groups.setdefault(where_of(root, entry.item), []).append(entry)
    for where, lines in groups.items():
        body.heading(where)
        items = []
        for entry in lines:
            described = describe(root, entry.item, entry.added, base)
            items.append(Entry(described.subject, described.url,
                               f"{CATEGORY_LABELS[entry.category]} · "
                               f"{format_datetime(entry.at)}"))
        body.items(items)
    body.footer(f"Vous recevez ce résumé {adjective} parce que vous l'avez choisi dans vos "
                "préférences d'alertes.", [("Gérer mes alertes", preferences_url(base))])
    subject = f"Votre résumé {when} : {count} nouveauté{'s' if count > 1 else ''}"
    return subject, body


def digest_sms(entries, period, base):
    when = PERIOD_LABELS[period][0]
    count = len(entries)
    return fit_sms(f"Conseils citoyens, résumé {when} : {count} nouveauté"
                   f"{'s' if count > 1 else ''} dans vos conseils et groupes.", f"{base}/gerer")


def send_digests(root, settings, tm, now=None, progress=None, batch=50):
    now = now or clock.now()
    center = root.alerts
    sender = Dispatcher(root, settings, tm, now=now)
    report = DigestReport()
    for period, day, cutoff in periods_due(center, now):
        boxes = center.digest_boxes(period)
        for n, ((user_id, channel, _), box) in enumerate(boxes, 1):
            user = root.users.get(user_id)
            ready = [e for e in box if e.at < cutoff]
            later = [e for e in box if e.at >= cutoff]
            if later:
                box[:] = later
            else:
                del center.digests[(user_id, channel, period)]
            if not ready:
                continue
            entries = [e for e in ready if user is not None and available(root.catalog, e.item)
                       and may_view(e.item, user, root.catalog)]
            if not entries:
                report.empty += 1
                continue
            status = None
            if channel == "sms":
                status = sender.sms(user, digest_sms(entries, period, sender.base))
                report.sms += status == SENT
            if channel == "email" or status == CAPPED:
                subject, body = digest_mail(root, user, period, entries,
                                            upcoming_events(root, user, now), sender.base)
                if status == CAPPED:
                    body.paragraph(sender.cap_notice())
                report.emails += sender.email(user, subject, body, "alertes")
            if n % batch == 0:
                tm.commit()
                tm.begin()
            if progress:
                progress(n, len(boxes))
        center.digest_runs[period] = day
    report.failures = sender.counts.failures
    return report

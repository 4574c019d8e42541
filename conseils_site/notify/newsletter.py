"""The monthly letter: what it proposes, who receives it, and sending it in batches.

One function, `recipients()`, decides who receives a letter: the preview counts it, the send
freezes it (`freeze()`), and the batches go through the frozen list, so the number sent is the
number previewed. Recipients are the councillors who chose the letter (`user.newsletter`, an
account whose address is confirmed and which is neither refused nor disabled) and the people who
subscribed from the site and confirmed their address; one mail per address. A letter may be
limited to some régions or départements: a councillor counts there through the councils, a
subscriber through the département given when subscribing.

`send_letter()` queues one mail per address and records the address in `letter.sent` in the same
transaction, committing every batch: run again after an interruption, it goes on where it
stopped and nobody gets the letter twice. Somebody who unsubscribed after the freeze is skipped
(and counted as such)."""
import dataclasses
import datetime
import re

from hypatia.query import Any, Eq, InRange
from pyramid.authorization import Everyone
from pyramid.renderers import render
from pyramid.traversal import resource_path

from .. import types
from ..dates import MONTHS
from ..geography import get_geography
from ..resources.content import PARIS
from ..resources.newsletter import SENDING, SENT, Letter
from ..resources.users import normalize_email
from ..security.sanitize import html_to_text
from . import clock
from .access import available, may_view_as_visitor
from .links import absolute, unsubscribe_url
from .mail import Mailer

BATCH = 100
SUMMARY_LENGTH = 280
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
USER_STATES = ("pending", "active")  # address confirmed, not refused nor disabled
SECTION_TITLES = {"news": "Actualités", "resources": "Nouveautés de la boîte à outils",
                  "publications": "Publications des conseils"}


# --- months ----------------------------------------------------------------------------------

def parse_month(text):
    """(year, month) of « 2030-06 », or ValueError."""
    match = MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


def current_month(now=None):
    return clock.paris(now).strftime("%Y-%m")


def previous_month(now=None):
    local = clock.paris(now).date().replace(day=1) - datetime.timedelta(days=1)
    return local.strftime("%Y-%m")


def month_label(month):
    year, number = parse_month(month)
    return f"{MONTHS[number - 1]} {year}"


def month_bounds(month):
    year, number = parse_month(month)
    start = datetime.datetime(year, number, 1, tzinfo=PARIS)
    end = datetime.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=PARIS)
    return start.astimezone(clock.UTC), end.astimezone(clock.UTC)


def default_title(month):
    return f"La lettre des conseils citoyens — {month_label(month)}"


# --- what a letter proposes ------------------------------------------------------------------

def candidates(root, month):
    """{'news', 'resources', 'publications'}: the month's objects, newest first."""
    catalog = root.catalog
    start, end = month_bounds(month)
    ix = catalog.indexes

    def run(query, sort="newest"):
        return list(query.execute(resolver=catalog.get).sort(ix[sort]))

    news = run(Eq(ix["kind"], "news") & InRange(ix["newest"], -end.timestamp(),
                                                -start.timestamp(), start_exclusive=True))
    created = InRange(ix["created"], start.timestamp(), end.timestamp(), end_exclusive=True)
    resources = run(Eq(ix["kind"], "resource") & created)
    publications = run(Any(ix["kind"], list(types.publication_kinds())) & created
                       & Eq(ix["visibility"], "public") & Any(ix["allowed"], [Everyone]))
    return {"news": news, "resources": resources, "publications": publications}


def _summary(html):
    text = " ".join(html_to_text(html or "").split())
    return text if len(text) <= SUMMARY_LENGTH else text[:SUMMARY_LENGTH].rsplit(" ", 1)[0] + "…"


def entry_of(obj):
    """A letter's copy of an item: it reads the same once the item changes."""
    declared = types.of(obj)
    meta, summary = declared.letter_meta(obj), declared.letter_summary(obj, _summary)
    return {"id": obj.id, "title": obj.title, "path": resource_path(obj), "meta": meta,
            "summary": summary}


def build_sections(found, chosen):
    """The sections of a letter from the month's objects and the ids the animator kept."""
    sections = []
    for name in ("news", "resources", "publications"):
        entries = tuple(entry_of(obj) for obj in found[name] if obj.id in chosen.get(name, ()))
        if entries:
            sections.append((SECTION_TITLES[name], entries))
    return tuple(sections)


def still_public(root, entry):
    """Whether a letter's item may still be shown to anyone: there, not hidden, and viewable
    with an anonymous visitor's principals (the pages' own ACL check)."""
    catalog = root.catalog
    item = catalog.by_id(entry.get("id")) if entry.get("id") else None
    return item is not None and available(catalog, item) and may_view_as_visitor(item, catalog)


def live_sections(root, letter):
    """(the letter's sections without the items no longer public, [titles dropped]): what the
    preview, every mail and the archive show, checked when they are made."""
    sections, dropped = [], []
    for heading, entries in letter.sections:
        kept = tuple(entry for entry in entries if still_public(root, entry))
        dropped += [entry["title"] for entry in entries if entry not in kept]
        if kept:
            sections.append((heading, kept))
    return tuple(sections), dropped


# --- who receives it -------------------------------------------------------------------------

def recipients(root, regions=(), departements=()):
    """{address: (reader, id)}: 'conseiller' + user id, or 'abonne' + the address."""
    catalog = root.catalog
    geography = get_geography()
    regions, departements = set(regions), set(departements)
    limited = bool(regions or departements)

    def inside(region, departement):
        return not limited or departement in departements or region in regions

    found = {}
    query = Eq(catalog.indexes["kind"], "user") & Any(catalog.indexes["state"], list(USER_STATES))
    for user in query.execute(resolver=catalog.get):
        if not getattr(user, "newsletter", False) or not user.email:
            continue
        if limited:
            councils = [catalog.by_id(i) for i in user.council_ids]
            if not any(c is not None and inside(c.region_code, c.departement_code)
                       for c in councils):
                continue
        found[user.email] = ("conseiller", user.id)
    for email, subscriber in root["lettre"].subscribers.items():
        if subscriber.confirmed_at is None or email in found:
            continue
        departement = subscriber.departement or ""
        known = geography.departements.get(departement)
        region = known.region_code if known is not None else None
        if limited and not (known is not None and inside(region, departement)):
            continue
        found[email] = ("abonne", email)
    return found


def describe_counts(found):
    councillors = sum(1 for reader, _ in found.values() if reader == "conseiller")
    return {"total": len(found), "conseillers": councillors, "abonnes": len(found) - councillors}


def freeze(letter, found, now=None):
    """Fix the recipients: from now on the batches go through this list only."""
    for email, who in found.items():
        letter.recipients[email] = who
    letter.state = SENDING
    letter.started_at = now or clock.now()


def still_subscribed(root, email, who):
    reader, ident = who
    if reader == "conseiller":
        user = root.users.get(ident)
        return user is not None and user.state in USER_STATES and bool(user.newsletter) \
            and normalize_email(user.email) == email
    subscriber = root["lettre"].subscribers.get(email)
    return subscriber is not None and subscriber.confirmed_at is not None


def unsubscribe(root, email):
    """Stop the letter for an address, whoever it belongs to; True if something changed."""
    email = normalize_email(email)
    changed = False
    user = root.users.find_by_email(email)
    if user is not None and user.newsletter:
        user.newsletter = False
        changed = True
    subscribers = root["lettre"].subscribers
    if email in subscribers:
        del subscribers[email]
        changed = True
    return changed


# --- what it looks like ----------------------------------------------------------------------

def letter_view(root, letter, base):
    """What templates and the text part show: absolute links, paragraphs; only the items still
    public now (`dropped`: the titles left out)."""
    sections, dropped = live_sections(root, letter)
    return {
        "title": letter.title,
        "month": month_label(letter.month),
        "intro": [p.strip() for p in re.split(r"\n\s*\n", letter.intro or "") if p.strip()],
        "sections": [(heading, [dict(entry, url=absolute(base, entry["path"]))
                                for entry in entries]) for heading, entries in sections],
        "dropped": dropped,
        "press": list(letter.press),
        "online": absolute(base, letter),
    }


def letter_text(view, stop=None):
    lines = [view["title"], "=" * len(view["title"]), ""]
    lines += [p + "\n" for p in view["intro"]]
    for heading, entries in view["sections"]:
        lines += [heading.upper(), ""]
        for entry in entries:
            lines.append(f"- {entry['title']} ({entry['meta']})")
            if entry["summary"]:
                lines.append(f"  {entry['summary']}")
            lines.append(f"  {entry['url']}")
        lines.append("")
    if view["press"]:
        lines += ["REVUE DE PRESSE", ""]
        for link in view["press"]:
            lines.append(f"- {link['title'] or link['url']}")
            if link["comment"]:
                lines.append(f"  {link['comment']}")
            lines.append(f"  {link['url']}")
        lines.append("")
    lines += [f"Lire la lettre en ligne : {view['online']}", "",
              "L'équipe des conseils citoyens", ""]
    if stop:
        lines += ["-- ", "Vous recevez cette lettre car vous vous y êtes abonné·e.",
                  f"Se désabonner en un clic : {stop}"]
    return "\n".join(lines) + "\n"


def letter_mail(root, letter, base, stop=None):
    view = letter_view(root, letter, base)
    html = render("conseils_site:templates/mail/newsletter.pt", dict(view, stop=stop))
    return letter_text(view, stop), html


def send_test(root, settings, tm, letter, user, base):
    """A copy to the animator, marked as a test; it changes nothing in the letter."""
    text, html = letter_mail(root, letter, base,
                             unsubscribe_url(settings, base, "lettre", user.email))
    return Mailer(settings, tm).send(user.email, f"[Essai] {subject_of(letter)}", text, html,
                                     bulk=True)


def subject_of(letter):
    return " ".join(letter.title.split())


@dataclasses.dataclass
class SendReport:
    planned: int = 0
    sent_now: int = 0
    sent_before: int = 0
    skipped: int = 0  # unsubscribed since the freeze
    dropped: list = dataclasses.field(default_factory=list)  # items no longer public: left out
    failures: list = dataclasses.field(default_factory=list)

    @property
    def done(self):
        return self.sent_before + self.sent_now

    def __str__(self):
        return (f"Lettre : {self.done} envoyée(s) sur {self.planned} prévue(s) "
                f"({self.sent_now} maintenant, {self.sent_before} lors d'un envoi précédent), "
                f"{self.skipped} désabonnée(s) entre-temps, {len(self.failures)} échec(s)"
                + "".join(f" ; retiré de la lettre (plus public ou supprimé) : « {title} »"
                          for title in self.dropped))


def send_letter(root, settings, tm, letter, base, batch=BATCH, progress=None, now=None):
    """Queue the letter for every frozen recipient not served yet, in committed batches."""
    if letter.state not in (SENDING, SENT):
        freeze(letter, recipients(root, letter.regions, letter.departements), now)
        tm.commit()
        tm.begin()
    mailer = Mailer(settings, tm)
    report = SendReport(planned=len(letter.recipients), sent_before=len(letter.sent))
    todo = [email for email in letter.recipients.keys()
            if email not in letter.sent and email not in letter.skipped]
    report.skipped = len(letter.skipped)
    view = letter_view(root, letter, base)  # what is public now; every batch re-checks
    report.dropped = view["dropped"]
    html_page = None
    for n, email in enumerate(todo, 1):
        who = letter.recipients[email]
        if not still_subscribed(root, email, who):
            letter.skipped.add(email)
            report.skipped += 1
        else:
            stop = unsubscribe_url(settings, base, "lettre", email)
            if html_page is None:
                html_page = render("conseils_site:templates/mail/newsletter.pt",
                                   dict(view, stop="@@STOP@@"))
            try:
                mailer.send(email, subject_of(letter), letter_text(view, stop),
                            html_page.replace("@@STOP@@", stop), unsubscribe_url=stop)
            except ValueError as exc:
                report.failures.append(f"{email} : {exc}")
                letter.skipped.add(email)
            else:
                letter.sent.add(email)
                letter.sent_count.change(1)
                report.sent_now += 1
        if n % batch == 0 or n == len(todo):
            tm.commit()
            tm.begin()
            fresh = letter_view(root, letter, base)  # an item made private during the run
            if fresh["dropped"] != view["dropped"]:
                view, html_page = fresh, None
                report.dropped = view["dropped"]
        if progress:
            progress(n, len(todo))
    if len(letter.sent) + len(letter.skipped) >= len(letter.recipients) and letter.state != SENT:
        letter.state = SENT
        letter.sent_at = now or clock.now()
        tm.commit()
        tm.begin()
    return report


def find_letter(root, ident):
    folder = root["lettre"]
    letter = folder.get(ident)
    if isinstance(letter, Letter):
        return letter
    for letter in folder.values():
        if isinstance(letter, Letter) and letter.id == ident:
            return letter
    return None

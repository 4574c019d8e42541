"""The morning reminder of the day's events, to the members of the event's council who want it.

What each person was told is recorded in `root.alerts.reminders` under (day, event, person), in
the same transaction as the queued messages, so a second run sends nothing twice; a run after
the event's time or place changed sends a correction, and after it was cancelled (or deleted) a
cancellation, to the people who had the reminder, by the same channels."""
import dataclasses

from hypatia.query import Eq, InRange

from ..dates import format_date, format_span, format_time
from ..resources.content import Event
from . import clock
from .access import may_view
from .alerts import absolute, council_members, preferences_url, short_link
from .dispatch import CAPPED, SENT, Dispatcher
from .preferences import wants_reminder
from .render import MailBody
from .sms import fit_sms

BATCH = 20  # events per transaction


@dataclasses.dataclass
class ReminderReport:
    events: int = 0
    reminders: int = 0
    corrections: int = 0
    cancellations: int = 0
    emails: int = 0
    sms: int = 0
    capped: int = 0
    failures: list = dataclasses.field(default_factory=list)
    planned: list = dataclasses.field(default_factory=list)  # one line per message (--dry-run)

    def __str__(self):
        capped = f" ({self.capped} passé(s) au courriel, plafond mensuel)" if self.capped else ""
        return (f"Rappels : {self.events} événement(s), {self.reminders} rappel(s), "
                f"{self.corrections} correction(s), {self.cancellations} annulation(s) ; "
                f"{self.emails} courriel(s), {self.sms} SMS{capped}, "
                f"{len(self.failures)} échec(s)")


def event_key(event):
    return f"id:{event.id}"


def snapshot(event):
    return {"start": event.start.isoformat(), "end": event.end.isoformat() if event.end else "",
            "place": event.place or "", "title": event.title}


def events_of_day(root, day):
    catalog = root.catalog
    start, end = clock.day_bounds(day)
    query = Eq(catalog.indexes["kind"], "event") & InRange(
        catalog.indexes["start"], start.timestamp(), end.timestamp(), end_exclusive=True)
    return list(query.execute(resolver=catalog.get).sort(catalog.indexes["start"]))


def _records(center, day):
    """{event key: {user id: record}} of the reminders sent for `day`."""
    found = {}
    iso = day.isoformat()
    for (_, key, user_id), record in center.reminders.items(min=(iso,), max=(iso, "\uffff")):
        found.setdefault(key, {})[user_id] = record
    return found


def _find_event(root, key):
    event = root.catalog.by_id(key[3:]) if key.startswith("id:") else None
    return event if isinstance(event, Event) else None


def _texts(message, event, record, day):
    """(subject, lead paragraph, SMS text) of a reminder, a correction or a cancellation."""
    title = record["title"] if event is None else event.title
    if message == "reminder":
        hour = format_time(event.start)
        place = f", {event.place}" if event.place else ""
        return (f"Rappel : {title}, aujourd'hui à {hour}",
                f"Petit rappel : « {title} » a lieu aujourd'hui.",
                f"Rappel : « {title} » aujourd'hui {hour}{place}.")
    if message == "correction":
        same_day = clock.paris_day(event.start) == day
        when = (f"aujourd'hui à {format_time(event.start)}" if same_day
                else f"le {format_date(event.start, weekday=True)} à {format_time(event.start)}")
        place = f", {event.place}" if event.place else ""
        return (f"Changement : {title}, {when}",
                f"Attention, « {title} » a changé depuis le rappel de ce matin : il a lieu "
                f"{when}{place}.",
                f"Changement : « {title} » {when}{place}.")
    return (f"Annulé : {title}",
            f"« {title} », prévu aujourd'hui, est annulé : il n'aura pas lieu.",
            f"Annulé : « {title} » prévu aujourd'hui n'aura pas lieu.")


def _mail(user, message, event, base, lead, notice=None):
    body = MailBody(f"Bonjour {user.first_name},")
    body.paragraph(lead)
    if event is not None and message != "cancellation":
        body.facts([("Quand", format_span(event.start, event.end)), ("Où", event.place)])
        body.button("Voir l'événement", absolute(base, event))
    body.paragraph(notice)
    body.footer("Vous recevez ce rappel car vous êtes membre du conseil qui organise cet "
                "événement et avez demandé les rappels du matin.",
                [("Gérer mes alertes", preferences_url(base))])
    return body


def _send(sender, report, user, message, event, record, day, channels):
    """Queue one message by the given channels (SMS past the cap: by email); those used."""
    subject, lead, sms_text = _texts(message, event, record, day)
    link = short_link(sender.base, event) if event is not None else f"{sender.base}/gerer"
    used = []
    email_done = False
    # A reminder or a correction is about the event as it is: re-checked when it leaves. A
    # cancellation is sent even once the event is gone.
    about = event_key(event) if event is not None and message != "cancellation" else None
    if "sms" in channels:
        status = sender.sms(user, fit_sms(sms_text, link), about=about)
        if status == SENT:
            used.append("sms")
            report.planned.append(f"SMS à {user.mobile} : {subject}")
        elif status == CAPPED:
            report.capped += 1
            email_done = sender.email(user, subject, _mail(
                user, message, event, sender.base, lead, sender.cap_notice()), "rappels",
                about=about)
            if email_done:
                used.append("email")
                report.planned.append(f"courriel à {user.email} : {subject} (plafond SMS)")
    if "email" in channels and not email_done:
        if sender.email(user, subject, _mail(user, message, event, sender.base, lead), "rappels",
                        about=about):
            used.append("email")
            report.planned.append(f"courriel à {user.email} : {subject}")
    return used


def run_reminders(root, settings, tm, day, now=None, progress=None, dry_run=False, batch=BATCH):
    """Queue the reminders, corrections and cancellations of `day` (a date, Paris time)."""
    now = now or clock.now()
    center = root.alerts
    sender = Dispatcher(root, settings, tm, now=now)
    report = ReminderReport()
    iso = day.isoformat()
    records = _records(center, day)
    events = {event_key(e): e for e in events_of_day(root, day)}
    keys = list(events) + [k for k in records if k not in events]
    day_start, day_end = clock.day_bounds(day)
    for n, key in enumerate(keys, 1):
        event = events.get(key) or _find_event(root, key)
        sent = records.get(key, {})
        report.events += 1
        people = {}
        if event is not None:
            for user in council_members(root.catalog, event.council_id):
                people[user.id] = user
        for user_id in sent:
            people.setdefault(user_id, root.users.get(user_id))
        for user_id, user in people.items():
            if user is None:
                continue
            record = sent.get(user_id)
            gone = event is None or event.cancelled or not may_view(event, user, root.catalog)
            if record is None:
                if gone or not (day_start <= event.start < day_end) or \
                        (event.end or event.start) <= now:
                    continue
                channels = [c for c in ("email", "sms") if wants_reminder(user, c)]
                if not channels:
                    continue
                used = _send(sender, report, user, "reminder", event, None, day, channels)
                if used:
                    report.reminders += 1
                    center.reminders[(iso, key, user_id)] = dict(snapshot(event),
                                                                 channels=tuple(used))
            elif record.get("cancelled"):
                continue
            elif gone:
                if event is not None and not event.cancelled:
                    continue  # no longer allowed to see it: say nothing more
                _send(sender, report, user, "cancellation", event, record, day,
                      record["channels"])
                report.cancellations += 1
                center.reminders[(iso, key, user_id)] = dict(record, cancelled=True)
            elif {k: record.get(k) for k in ("start", "end", "place")} != {
                    k: v for k, v in snapshot(event).items() if k != "title"}:
                _send(sender, report, user, "correction", event, record, day,
                      record["channels"])
                report.corrections += 1
                center.reminders[(iso, key, user_id)] = dict(record, **snapshot(event))
        if n % batch == 0 and not dry_run:
            tm.commit()
            tm.begin()
        if progress:
            progress(n, len(keys))
    report.emails, report.sms = sender.counts.emails, sender.counts.sms
    report.failures = sender.counts.failures
    return report


def forget_before(center, day):
    """Records of days before `day` serve nothing any more."""
    for key in list(center.reminders.keys(max=(day.isoformat(),), excludemax=True)):
        del center.reminders[key]

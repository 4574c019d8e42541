"""Sending to one person, for the scripts: email with its unsubscribe link, SMS within the monthly
cap (then by email), everything queued in the caller's transaction.

    sender = Dispatcher(root, settings, tm)
    sender.email(user, subject, body, scope="alertes")
    status = sender.sms(user, text, about=key)   # SENT, CAPPED (say it by email) or OFF
"""
import dataclasses

from . import clock
from .links import base_url, unsubscribe_url
from .mail import Mailer
from .preferences import sms_enabled
from .sms import SmsQueue, SmsSettings

SENT, CAPPED, OFF = "sent", "capped", "off"


@dataclasses.dataclass
class Counts:
    emails: int = 0
    sms: int = 0
    capped: int = 0  # SMS that went by email because of the monthly cap
    failures: list = dataclasses.field(default_factory=list)


class Dispatcher:
    def __init__(self, root, settings, tm, base=None, now=None):
        self.root, self.settings = root, settings
        self.base = base or base_url(settings)
        self.now = now or clock.now()
        self.mailer = Mailer(settings, tm)
        self.sms_queue = SmsQueue(settings, tm)
        self.cap = SmsSettings.from_settings(settings).monthly_cap
        self.center = root.alerts
        self.counts = Counts()

    def unsubscribe(self, scope, user):
        subject = user.email if scope == "lettre" else user.id
        return unsubscribe_url(self.settings, self.base, scope, subject)

    def email(self, user, subject, body, scope=None, about=None):
        """Queue the mail; False (and the reason noted) when the address is unusable. `about`:
        the key of the item it speaks of, re-checked when the mail leaves (notify/recheck.py)."""
        stop = self.unsubscribe(scope, user) if scope else None
        if stop:
            label = {"alertes": "Ne plus recevoir ces alertes par courriel",
                     "rappels": "Ne plus recevoir les rappels par courriel",
                     "lettre": "Se désabonner de la lettre"}[scope]
            body.links = body.links + [(label, stop)]
        subject = " ".join(subject.split())  # typed titles never break a header
        text, html = body.render(subject)
        try:
            self.mailer.send(user.email, subject, text, html, unsubscribe_url=stop,
                             about=(about, user.id) if about else None)
        except ValueError as exc:
            self.counts.failures.append(f"courriel pour {user.email or user.id} : {exc}")
            return False
        self.counts.emails += 1
        return True

    def sms_left(self, user):
        """Within the cap of the account and of its number (one phone, one cap)."""
        month = clock.month_key(self.now)
        used = max(self.center.sms_count(who, month) for who in (user.id, f"tel:{user.mobile}"))
        return max(0, self.cap - used)

    def sms(self, user, text, about=None):
        """`about`: the key of the item the SMS speaks of (alerts.item_key), re-checked when
        the SMS leaves (notify/recheck.py): it may wait hours for 08:00. Never to a number
        nobody proved (`sms_enabled`)."""
        if not sms_enabled(user):
            return OFF
        if self.sms_left(user) <= 0:
            self.counts.capped += 1
            return CAPPED
        try:
            self.sms_queue.send(user.mobile, text, user_id=user.id, item=about or "")
        except ValueError as exc:
            self.counts.failures.append(f"SMS pour {user.id} ({user.mobile}) : {exc}")
            return OFF
        for who in (user.id, f"tel:{user.mobile}"):
            self.center.count_sms(who, clock.month_key(self.now))
        self.counts.sms += 1
        return SENT

    def cap_notice(self):
        return (f"Vous avez reçu ce mois-ci les {self.cap} SMS prévus au plus par mois : "
                "jusqu'à la fin du mois, vos alertes SMS arrivent par courriel.")

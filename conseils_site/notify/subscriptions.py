"""Subscribing to the letter from the site, with a confirmed address (double opt-in): a request
mails a signed link valid 48 hours (one every 10 minutes at most, and the same answer whether
or not the address is subscribed); confirming it makes the address a subscriber, or ticks the
letter in the profile of the councillor who has that address (one person, one switch)."""
import datetime
import hmac

from ..resources.newsletter import Subscriber
from ..resources.users import normalize_email
from . import clock
from .links import new_nonce
from .newsletter import USER_STATES
from .render import MailBody

PENDING_HOURS = 48
RESEND_MINUTES = 10


def is_subscribed(root, email):
    user = root.users.find_by_email(email)
    if user is not None and user.newsletter and user.state in USER_STATES:
        return True
    return email in root["lettre"].subscribers


def request_subscription(root, email, departement="", now=None):
    """'already' (subscribed), 'wait' (a link went a few minutes ago) or 'sent' with the
    pending subscriber whose nonce the new link carries."""
    now = now or clock.now()
    email = normalize_email(email)
    folder = root["lettre"]
    limit = now - datetime.timedelta(hours=PENDING_HOURS)
    for address, stale in list(folder.pending.items()):
        if stale.created < limit:
            del folder.pending[address]
    if is_subscribed(root, email):
        return "already", None
    pending = folder.pending.get(email)
    if pending is not None and pending.created > now - datetime.timedelta(minutes=RESEND_MINUTES):
        return "wait", pending
    pending = folder.pending[email] = Subscriber(email, departement, new_nonce())
    pending.created = now
    return "sent", pending


def confirm_subscription(root, email, nonce, now=None):
    """'confirmed', 'already', or 'unknown' (no such request, or a newer link replaced it)."""
    email = normalize_email(email)
    folder = root["lettre"]
    if is_subscribed(root, email):
        folder.pending.pop(email, None)
        return "already"
    pending = folder.pending.get(email)
    if pending is None or not hmac.compare_digest(pending.nonce or "", nonce):
        return "unknown"
    del folder.pending[email]
    user = root.users.find_by_email(email)
    if user is not None and user.state in USER_STATES:
        user.newsletter = True  # one person, one switch: the one in « Mon profil »
    else:
        pending.confirmed_at = now or clock.now()
        pending.nonce = None
        folder.subscribers[email] = pending
    return "confirmed"


def subscription_mail(wording, url=None):
    """(subject, body) of the mail a subscription request sends."""
    body = MailBody("Bonjour,")
    if wording == "already":
        body.paragraph("Quelqu'un (sans doute vous) a demandé à recevoir la lettre "
                       "d'information des conseils citoyens à cette adresse : elle la reçoit "
                       "déjà, il n'y a rien à faire.")
        body.paragraph("Chaque lettre contient un lien pour se désabonner en un clic.")
        return "Vous êtes déjà abonné·e à la lettre des conseils citoyens", body
    body.paragraph("Quelqu'un (sans doute vous) a demandé à recevoir chaque mois la lettre "
                   "d'information des conseils citoyens à cette adresse. Pour confirmer, "
                   "ouvrez le lien ci-dessous.")
    body.button("Confirmer mon abonnement", url)
    body.paragraph(f"Ce lien est valable {PENDING_HOURS} heures. Si vous n'avez rien demandé, "
                   "ignorez ce message : sans confirmation, vous ne recevrez rien.")
    return "Confirmez votre abonnement à la lettre des conseils citoyens", body

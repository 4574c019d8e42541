"""Slow down guessing without letting a stranger lock the owner out (OWASP's « device cookie »).

Wrong passwords (and wrong second-factor codes, `step=CODE`) are counted under several keys,
each with its own rule: per account, per (address, account) pair, and per address with a far
higher ceiling (a maison de quartier's wifi, a mobile operator's shared address). Past a rule's
free failures, each further try waits `first` seconds, doubled by every failure, at most `cap`.

A browser that signed in to the account before carries a signed device cookie
(`remember_device`, `trusted_device`): its tries are counted under that device alone, so the right password
from the owner's usual device is accepted while the account waits for everybody else.

« Mot de passe oublié » and « renvoyer le courriel » send at most one mail per address per
`MAIL_INTERVAL` (`may_send_mail`).

Records live in the database (every process sees them) in one OOBTree on the root, keyed by a
digest of what they count, so keys spread over the buckets and two tries on different accounts
never write the same key; there is no shared counter. Each record is (kind, count, last time).
`purge_failures` (hourly cron) forgets those that slow nothing down any more."""
import hashlib
import time
from typing import NamedTuple

from BTrees.OOBTree import OOBTree
from pyramid.settings import asbool

from .tokens import TokenError, issue_bearer_token, read_token

PASSWORD = "password"
CODE = "code"
MINUTE, HOUR, DAY = 60, 3600, 24 * 3600
MAIL_INTERVAL = 5 * MINUTE
DEVICE_COOKIE = "conseils_appareil"
DEVICE_PURPOSE = "appareil"
DEVICE_MAX_AGE = 365 * DAY


class Rule(NamedTuple):
    free: int  # failures allowed before any wait
    first: int  # seconds of the first wait, doubled by each further failure
    cap: int  # the longest wait
    keep: int  # seconds after the last failure when the record is forgotten


RULES = {
    "account": Rule(free=5, first=MINUTE, cap=15 * MINUTE, keep=DAY),
    "pair": Rule(free=3, first=MINUTE, cap=HOUR, keep=DAY),
    "address": Rule(free=100, first=MINUTE, cap=15 * MINUTE, keep=HOUR),
    "device": Rule(free=5, first=MINUTE, cap=15 * MINUTE, keep=DAY),
    "mail": Rule(free=1, first=MAIL_INTERVAL, cap=MAIL_INTERVAL, keep=MAIL_INTERVAL),
}


def _records(root):
    records = getattr(root, "login_failures", None)
    if records is None:  # databases made before the evolve step 0001
        records = root.login_failures = OOBTree()
    return records


def _key(kind, *parts):
    text = "\x1f".join([kind, *(str(p or "?").strip().lower() for p in parts)])
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def _keys(login, address, device, step):
    """(rule, key) pairs a try is counted under; a trusted device is counted alone."""
    if device:
        return [("device", _key(step, "device", device, login))]
    return [("account", _key(step, "account", login)),
            ("pair", _key(step, "pair", address, login)),
            ("address", _key(step, "address", address))]


def _now(now):
    return time.time() if now is None else now


def _live(record, rule, now):
    """The record's failure count, or 0 once it is forgotten (old formats included)."""
    if not (isinstance(record, tuple) and len(record) == 3):
        return 0
    _, count, last = record
    return count if now - last < rule.keep else 0


def delay(rule, count):
    """Seconds to wait after `count` failures under `rule` (0 while they are free)."""
    if count < rule.free:
        return 0
    return min(rule.cap, rule.first * 2 ** min(count - rule.free, 32))


def wait_seconds(root, login, address, device=None, now=None, step=PASSWORD):
    """Seconds before another try is allowed (0: go ahead). `login` is the typed email for a
    password, the account's id for a second-factor code; `device` a trusted device's id."""
    now = _now(now)
    records = _records(root)
    wait = 0
    for scope, key in _keys(login, address, device, step):
        record = records.get(key)
        count = _live(record, RULES[scope], now)
        if count:
            wait = max(wait, record[2] + delay(RULES[scope], count) - now)
    return int(-(-wait // 1))  # whole seconds, rounded up


def record_failure(root, login, address, device=None, now=None, step=PASSWORD):
    now = _now(now)
    records = _records(root)
    for scope, key in _keys(login, address, device, step):
        count = _live(records.get(key), RULES[scope], now)
        records[key] = (scope, count + 1, now)


def clear_failures(root, login, address=None, device=None, step=PASSWORD):
    """After a success: forget what this try was counted under (never the address's record,
    which counts other people's failures too). Without an address, the account's record."""
    records = _records(root)
    if address is None and device is None:
        keys = [_key(step, "account", login)]
    else:
        keys = [key for scope, key in _keys(login, address, device, step) if scope != "address"]
    for key in keys:
        if key in records:
            del records[key]


def may_send_mail(root, purpose, email, now=None):
    """True, and remembered, if no mail of this purpose left for this address within the last
    `MAIL_INTERVAL`; the page answers the same either way."""
    now = _now(now)
    records = _records(root)
    key = _key("mail", purpose, email)
    if _live(records.get(key), RULES["mail"], now):
        return False
    records[key] = ("mail", 1, now)
    return True


def duration_fr(seconds):
    """« 45 secondes », « 1 minute », « 15 minutes », « 1 heure »: rounded up."""
    seconds = max(1, int(seconds))
    if seconds < MINUTE:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = -(-seconds // MINUTE)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes > 1 else ''}"
    hours, minutes = divmod(minutes, 60)
    text = f"{hours} heure{'s' if hours > 1 else ''}"
    return text + (f" {minutes} minute{'s' if minutes > 1 else ''}" if minutes else "")


def wait_message(seconds):
    return (f"Trop de tentatives de connexion. Par sécurité, attendez {duration_fr(seconds)} "
            f"avant de réessayer.")


def _expired(record, now):
    if not (isinstance(record, tuple) and len(record) == 3 and record[0] in RULES):
        return True  # a record of the old format (before the rules above)
    return not _live(record, RULES[record[0]], now)


def purge_failures(root, now=None):
    """Forget the records that slow nothing down any more (run by cron): the privacy notice
    promises they are kept only to block repeated tries."""
    now = _now(now)
    records = _records(root)
    stale = [key for key, record in records.items() if _expired(record, now)]
    for key in stale:
        del records[key]
    return len(stale)


# --- the device cookie -----------------------------------------------------------------------

def remember_device(request, response, user):
    """At each successful sign-in: a new signed cookie naming the account on this browser."""
    settings = request.registry.settings
    token, _ = issue_bearer_token(settings, user.id, DEVICE_PURPOSE)
    response.set_cookie(DEVICE_COOKIE, token, max_age=DEVICE_MAX_AGE, path="/", httponly=True,
                        samesite="Lax",
                        secure=asbool(settings.get("conseils.secure_cookies", False)))


def trusted_device(request, user):
    """This browser's device id if it signed in to `user` before (None otherwise)."""
    if user is None or DEVICE_COOKIE not in request.cookies:
        return None
    try:
        user_id, nonce = read_token(request.registry.settings, request.cookies[DEVICE_COOKIE],
                                    DEVICE_PURPOSE, DEVICE_MAX_AGE)
    except TokenError:
        return None
    return nonce if user_id == user.id else None

"""A second factor: time-based codes (TOTP, RFC 6238, by pyotp) and ten single-use recovery codes.

Kept on the account as `user.second_factor`, a small PersistentMapping of its own, so that
accepting a code rewrites that record and not the account: `secret`, `recovery` (for each
unused recovery code a short tag and its argon2 hash, never the code), `last_step` (the time
step of the last accepted code: a code works once), `enrolled_at`. While enrolling it holds only `pending`, the secret
shown to the person and not yet confirmed by a code.

The time is given by the caller (the site's clock, `notify/clock.py`), so tests move it."""
import datetime
import hashlib
import hmac
import secrets

import pyotp
import segno
from persistent.mapping import PersistentMapping

from .passwords import check_password, hash_password

ATTRIBUTE = "second_factor"
INTERVAL = 30  # seconds per code (what every authenticator app expects)
RECOVERY_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to confuse
RECOVERY_LENGTH = 10  # ~49 bits each
TOTP = "totp"
RECOVERY = "recovery"


def _record(user):
    return getattr(user, ATTRIBUTE, None)


def is_enrolled(user):
    record = _record(user)
    return bool(record is not None and record.get("secret"))


def start_enrolment(user):
    """A new secret waiting for its first code (replacing any earlier one not confirmed)."""
    if is_enrolled(user):
        raise ValueError("already enrolled")
    record = _record(user)
    if record is None:
        record = PersistentMapping()
        setattr(user, ATTRIBUTE, record)
    record["pending"] = pyotp.random_base32()
    return record["pending"]


def pending_secret(user):
    record = _record(user)
    return record.get("pending") if record is not None and not is_enrolled(user) else None


def provisioning_uri(secret, account_name, issuer):
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, interval=INTERVAL).provisioning_uri(name=account_name,
                                                                  issuer_name=issuer)


def qr_svg(uri, title):
    """The QR code as inline SVG markup: no script, no image request, nothing the CSP refuses."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title=title, svgclass="qr-code")


def grouped(secret):
    """The secret as it is easiest to type: groups of four."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _digits(typed):
    code = "".join((typed or "").split())
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def _accepted_step(secret, typed, now, last_step):
    """The time step (now, or one either side for a clock a little off) whose code was typed,
    if it is later than the last one accepted; None otherwise."""
    code = _digits(typed)
    if code is None:
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    current = int(now // INTERVAL)
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(totp.at(step * INTERVAL), code):
            return step
    return None


def _new_recovery_codes():
    return ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
            for _ in range(RECOVERY_COUNT)]


def shown(code):
    """A recovery code as printed: « abcde-fghij »."""
    half = RECOVERY_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def _tag(code):
    """Two bytes of a fast digest, stored beside each hash, so that checking a typed code runs
    the (slow) argon2 verification on the one code it may be, not on all ten. It tells a
    database reader 16 of a code's 49 bits, who holds the TOTP secret there anyway."""
    return hashlib.blake2b(code.encode(), digest_size=2, person=b"conseils-secours").hexdigest()


def _store_recovery(record, codes):
    record["recovery"] = tuple((_tag(code), hash_password(code)) for code in codes)


def confirm_enrolment(user, typed, now):
    """The pending secret becomes the account's if `typed` is its current code: returns the ten
    recovery codes (shown once, stored hashed), or None when the code is wrong."""
    secret = pending_secret(user)
    step = _accepted_step(secret, typed, now, -1) if secret else None
    if step is None:
        return None
    record = _record(user)
    codes = _new_recovery_codes()
    _store_recovery(record, codes)
    record.update(secret=secret, last_step=step,
                  enrolled_at=datetime.datetime.fromtimestamp(now, datetime.UTC))
    del record["pending"]
    return [shown(code) for code in codes]


def check_code(user, typed, now):
    """TOTP or RECOVERY when `typed` is a current code not used before or an unused recovery code
    (which is then spent); None otherwise."""
    record = _record(user)
    if not is_enrolled(user):
        return None
    step = _accepted_step(record["secret"], typed, now, record.get("last_step", -1))
    if step is not None:
        record["last_step"] = step
        return TOTP
    recovery = "".join(ch for ch in (typed or "").lower() if ch.isalnum())
    if len(recovery) != RECOVERY_LENGTH:
        return None
    tag, entries = _tag(recovery), record.get("recovery", ())
    for entry in entries:
        if entry[0] == tag and check_password(entry[1], recovery):
            record["recovery"] = tuple(e for e in entries if e is not entry)
            return RECOVERY
    return None


def recovery_left(user):
    record = _record(user)
    return len(record.get("recovery", ())) if record is not None else 0


def enrolled_at(user):
    record = _record(user)
    return record.get("enrolled_at") if record is not None else None


def new_recovery_codes(user):
    """Ten new recovery codes replacing the old ones (all of which stop working)."""
    codes = _new_recovery_codes()
    _store_recovery(_record(user), codes)
    return [shown(code) for code in codes]


def disable(user):
    if _record(user) is not None:
        setattr(user, ATTRIBUTE, None)

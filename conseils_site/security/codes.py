"""One-time codes: proof that a person holds what they claim (a mobile number today; the address
of « se connecter avec un code » later). A code is 6 digits, sent to its target and typed back.

- Kept hashed (SHA-256 with a salt of its own and the target), never in clear: the database
  holds no code that works, only what checks one.
- Valid 10 minutes, for 5 tries; the 5th wrong one ends it (a new code must be asked).
- Bound to its target: a code sent to one number never proves another.
- Sends are limited per holder and purpose (one a minute, three an hour) and per target
  whoever asks (five a day, counted in a ledger on the site root under a hash of the target,
  so that it keeps no number in clear): nobody can make the site text a number again and
  again, not even with several accounts.

The codes live on the holder (an account), in `holder.one_time_codes`, one per purpose; the
caller sends the code (SMS, mail) in the same transaction as `issue()`, so both happen or
neither."""
import datetime
import hashlib
import hmac
import secrets

from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping

DIGITS = 6
LIFETIME = datetime.timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = datetime.timedelta(minutes=1)
SENDS_PER_HOUR = 3
HOUR = datetime.timedelta(hours=1)
TARGET_SENDS_PER_DAY = 5
DAY = datetime.timedelta(days=1)


class CodeError(Exception):
    """Why no code could be sent or the typed one was refused; its str() is French."""


def _now(now):
    return now or datetime.datetime.now(datetime.UTC)


def _digest(salt, target, code):
    return hashlib.sha256(f"{salt}\x00{target}\x00{code}".encode()).hexdigest()


def _codes(holder):
    codes = getattr(holder, "one_time_codes", None)
    if codes is None:
        codes = holder.one_time_codes = PersistentMapping()
    return codes


def wait_before_sending(holder, purpose, now=None):
    """Seconds before another code may be sent (0: now)."""
    now = _now(now)
    sends = [t for t in _codes(holder).get(purpose, {}).get("sends", ()) if now - t < HOUR]
    waits = []
    if sends and now - sends[-1] < RESEND_AFTER:
        waits.append(sends[-1] + RESEND_AFTER - now)
    if len(sends) >= SENDS_PER_HOUR:
        waits.append(sends[-SENDS_PER_HOUR] + HOUR - now)
    return int(max(waits).total_seconds()) + 1 if waits else 0


def target_ledger(root):
    """Codes sent per target, whoever asked: {hash of the target: (send times,)}."""
    ledger = getattr(root, "code_sends", None)
    if ledger is None:
        ledger = root.code_sends = OOBTree()
    return ledger


def _count_target(ledger, target, now):
    key = hashlib.sha256(f"code-target\x00{target}".encode()).hexdigest()
    recent = tuple(t for t in ledger.get(key, ()) if now - t < DAY)
    if len(recent) >= TARGET_SENDS_PER_DAY:
        raise CodeError("Trop de codes ont été envoyés à ce numéro aujourd'hui : réessayez "
                        "demain.")
    ledger[key] = recent + (now,)


def issue(holder, purpose, target, now=None, ledger=None):
    """A new code for `target` (it replaces the previous one); CodeError when sent too often.
    `ledger`: `target_ledger(root)`, which limits the codes one target gets whoever asks."""
    now = _now(now)
    wait = wait_before_sending(holder, purpose, now)
    if wait:
        minutes = -(-wait // 60)
        raise CodeError(f"Un code vient déjà de partir. Pour en recevoir un autre, attendez "
                        f"{minutes} minute{'s' if minutes > 1 else ''}.")
    if ledger is not None:
        _count_target(ledger, target, now)
    codes = _codes(holder)
    sends = tuple(t for t in codes.get(purpose, {}).get("sends", ()) if now - t < HOUR)
    code = f"{secrets.randbelow(10 ** DIGITS):0{DIGITS}d}"
    salt = secrets.token_hex(16)
    codes[purpose] = {"target": target, "salt": salt, "digest": _digest(salt, target, code),
                      "expires": now + LIFETIME, "tries": 0, "sends": sends + (now,)}
    return code


def check(holder, purpose, typed, now=None):
    """The target the typed code was sent to; CodeError (in French) otherwise. A wrong try is
    counted, so the caller must keep the transaction even when it answers with an error."""
    now = _now(now)
    codes = _codes(holder)
    record = codes.get(purpose) or {}
    if "digest" not in record:
        raise CodeError("Aucun code n'est en attente : demandez-en un.")
    if now >= record["expires"]:
        raise CodeError("Ce code a expiré (il est valable 10 minutes) : demandez-en un nouveau.")
    typed = "".join(ch for ch in typed or "" if not ch.isspace())
    if not hmac.compare_digest(_digest(record["salt"], record["target"], typed),
                               record["digest"]):
        tries = record["tries"] + 1
        if tries >= MAX_TRIES:
            codes[purpose] = {"sends": record["sends"]}
            raise CodeError("Ce n'est pas le bon code, et c'était le dernier essai : demandez "
                            "un nouveau code.")
        codes[purpose] = dict(record, tries=tries)
        left = MAX_TRIES - tries
        raise CodeError(f"Ce n'est pas le bon code. Vérifiez les {DIGITS} chiffres reçus "
                        f"(il vous reste {left} essai{'s' if left > 1 else ''}).")
    codes[purpose] = {"sends": record["sends"]}  # used: it proves nothing a second time
    return record["target"]

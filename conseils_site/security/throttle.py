"""Slow down password guessing: after 5 failures on one account or from one address within
15 minutes, further tries wait. Kept in the database, so every process sees the same count."""
import time

from BTrees.OOBTree import OOBTree

MAX_FAILURES = 5
WINDOW = 15 * 60


def _failures(root):
    failures = getattr(root, "login_failures", None)
    if failures is None:
        failures = root.login_failures = OOBTree()
    return failures


def _keys(email, address):
    return [f"email:{(email or '').strip().lower()}", f"ip:{address or '?'}"]


def wait_seconds(root, email, address, now=None):
    """Seconds before another try is allowed (0: go ahead)."""
    now = now or time.time()
    failures = _failures(root)
    wait = 0
    for key in _keys(email, address):
        recent = [t for t in failures.get(key, ()) if now - t < WINDOW]
        if len(recent) >= MAX_FAILURES:
            wait = max(wait, int(recent[-MAX_FAILURES] + WINDOW - now) + 1)
    return wait


def record_failure(root, email, address, now=None):
    now = now or time.time()
    failures = _failures(root)
    for key in _keys(email, address):
        recent = tuple(t for t in failures.get(key, ()) if now - t < WINDOW)
        failures[key] = (recent + (now,))[-MAX_FAILURES * 2:]


def clear_failures(root, email):
    _failures(root).pop(_keys(email, None)[0], None)


def wait_message(seconds):
    minutes = max(1, -(-seconds // 60))
    return (f"Trop de tentatives de connexion. Par sécurité, attendez {minutes} minute"
            f"{'s' if minutes > 1 else ''} avant de réessayer.")


def purge_failures(root, now=None):
    """Forget addresses and emails whose failures are older than the window (run by cron):
    the privacy notice promises they are kept only to block repeated tries."""
    now = now or time.time()
    failures = _failures(root)
    stale = [key for key, times in failures.items() if not times or now - times[-1] >= WINDOW]
    for key in stale:
        del failures[key]
    return len(stale)

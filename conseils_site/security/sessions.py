"""Signed-in sessions recorded on the server, so that they can end.

The signed cookie carries the user id and a random session id; the session counts only while
that id is recorded in the user's own `sessions` BTree (session id → start time). Signing out
removes it, so a copied cookie opens nothing afterwards; a password change, a reset, a
disabled account and « Se déconnecter de tous les appareils » remove the others.

Each user has their own BTree, so two people signing in at once never write the same object;
signing in writes one small bucket. A session lasts at most MAX_AGE from its start, and a user
keeps at most MAX_SESSIONS (the oldest goes first)."""
import datetime
import secrets

from BTrees.OOBTree import OOBTree

MAX_AGE = datetime.timedelta(days=30)
MAX_SESSIONS = 20


def _now():
    return datetime.datetime.now(datetime.UTC)


def start_session(user, at=None):
    """A new session id for `user`, recorded; expired and surplus sessions are dropped."""
    at = at or _now()
    sessions = user.sessions
    if sessions is None:  # accounts made before sessions were recorded get theirs lazily
        sessions = user.sessions = OOBTree()
    started = sorted((when, sid) for sid, when in sessions.items())
    for when, sid in started:
        if at - when > MAX_AGE:
            del sessions[sid]
    started = [(when, sid) for when, sid in started if at - when <= MAX_AGE]
    for _, sid in started[:max(0, len(started) - MAX_SESSIONS + 1)]:
        del sessions[sid]
    session_id = secrets.token_urlsafe(24)
    sessions[session_id] = at
    return session_id


def is_open(user, session_id, at=None):
    """Whether `session_id` is a live session of `user` (reads only: no write per request)."""
    sessions = user.sessions
    if not session_id or not isinstance(session_id, str) or sessions is None:
        return False
    started = sessions.get(session_id)
    return started is not None and (at or _now()) - started <= MAX_AGE


def end_session(user, session_id):
    sessions = user.sessions
    if sessions is not None and session_id in sessions:
        del sessions[session_id]


def end_sessions(user, keep=None):
    """End every session of `user` but `keep` (the current one, when it is theirs); the count."""
    sessions = user.sessions
    if sessions is None:
        return 0
    ended = [sid for sid in sessions.keys() if sid != keep]
    for sid in ended:
        del sessions[sid]
    return len(ended)

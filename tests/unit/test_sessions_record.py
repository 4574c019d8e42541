"""The server's record of signed-in sessions: bounded in number and in age, ended one by one or
all but the current one."""
import datetime

from conseils_site.security import sessions

T0 = datetime.datetime(2026, 12, 6, 8, 0, tzinfo=datetime.UTC)


class Account:
    sessions = None  # as on a User made before sessions were recorded


def test_a_session_is_open_until_ended():
    user = Account()
    sid = sessions.start_session(user, at=T0)
    assert sessions.is_open(user, sid, at=T0)
    assert not sessions.is_open(user, "forgé", at=T0)
    assert not sessions.is_open(user, None, at=T0)
    sessions.end_session(user, sid)
    assert not sessions.is_open(user, sid, at=T0)


def test_a_session_ends_after_its_maximum_age_and_is_dropped_at_the_next_sign_in():
    user = Account()
    old = sessions.start_session(user, at=T0)
    later = T0 + sessions.MAX_AGE + datetime.timedelta(seconds=1)
    assert not sessions.is_open(user, old, at=later)
    sessions.start_session(user, at=later)
    assert old not in user.sessions and len(user.sessions) == 1


def test_an_account_keeps_at_most_max_sessions_the_oldest_going_first():
    user = Account()
    ids = [sessions.start_session(user, at=T0 + datetime.timedelta(minutes=n))
           for n in range(sessions.MAX_SESSIONS + 3)]
    assert len(user.sessions) == sessions.MAX_SESSIONS
    assert set(user.sessions.keys()) == set(ids[3:])


def test_end_sessions_keeps_only_the_current_one():
    user = Account()
    ids = [sessions.start_session(user, at=T0) for _ in range(4)]
    assert sessions.end_sessions(user, keep=ids[1]) == 3
    assert list(user.sessions.keys()) == [ids[1]]
    assert sessions.end_sessions(user) == 1 and not len(user.sessions)
    assert sessions.end_sessions(Account()) == 0

"""The one-time code rules (security/codes.py): 6 digits, hashed, 10 minutes, 5 tries, bound to
their target, sends limited."""
import datetime

import pytest

from conseils_site.security import codes
from conseils_site.security.codes import CodeError, check, issue

T0 = datetime.datetime(2031, 6, 4, 10, 0, tzinfo=datetime.UTC)
NUMBER = "+33612345678"


class Holder:
    pass


def later(**delta):
    return T0 + datetime.timedelta(**delta)


def test_a_code_is_six_digits_kept_hashed_and_proves_its_target_once():
    holder = Holder()
    code = issue(holder, "mobile", NUMBER, now=T0)
    assert len(code) == 6 and code.isdigit()
    assert code not in repr(dict(holder.one_time_codes))  # only a salted hash is kept
    assert check(holder, "mobile", f" {code[:3]} {code[3:]} ", now=later(minutes=9)) == NUMBER
    with pytest.raises(CodeError, match="Aucun code"):
        check(holder, "mobile", code, now=later(minutes=9))  # used: not a second time


def test_a_code_expires_after_ten_minutes():
    holder = Holder()
    code = issue(holder, "mobile", NUMBER, now=T0)
    with pytest.raises(CodeError, match="expiré"):
        check(holder, "mobile", code, now=later(minutes=10))


def test_five_wrong_tries_end_the_code():
    holder = Holder()
    code = issue(holder, "mobile", NUMBER, now=T0)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeError, match=f"il vous reste {left} essai"):
            check(holder, "mobile", wrong, now=T0)
    with pytest.raises(CodeError, match="dernier essai"):
        check(holder, "mobile", wrong, now=T0)
    with pytest.raises(CodeError, match="Aucun code"):
        check(holder, "mobile", code, now=T0)  # even the right one, now


def test_a_new_code_replaces_the_old_one_and_sends_are_limited():
    holder = Holder()
    first = issue(holder, "mobile", NUMBER, now=T0)
    with pytest.raises(CodeError, match="attendez 1 minute"):
        issue(holder, "mobile", NUMBER, now=later(seconds=30))
    second = issue(holder, "mobile", "+33699999999", now=later(minutes=1))
    if first != second:
        with pytest.raises(CodeError):
            check(holder, "mobile", first, now=later(minutes=1))
    issue(holder, "mobile", NUMBER, now=later(minutes=2))
    with pytest.raises(CodeError, match="attendez 58 minutes"):  # three an hour
        issue(holder, "mobile", NUMBER, now=later(minutes=3))
    assert issue(holder, "mobile", NUMBER, now=later(minutes=61))


def test_the_code_says_which_target_it_was_sent_to(monkeypatch):
    holder = Holder()
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: 42)
    assert issue(holder, "mobile", NUMBER, now=T0) == "000042"
    assert check(holder, "mobile", "000042", now=T0) == NUMBER


def test_one_target_gets_few_codes_a_day_whoever_asks():
    ledger = {}
    holders = [Holder() for _ in range(6)]
    for n, holder in enumerate(holders[:5]):
        issue(holder, "mobile", NUMBER, now=later(minutes=n), ledger=ledger)
    with pytest.raises(CodeError, match="à ce numéro"):
        issue(holders[5], "mobile", NUMBER, now=later(minutes=10), ledger=ledger)
    assert NUMBER not in repr(ledger)  # the ledger keeps no phone number in clear
    assert issue(holders[5], "mobile", "+33699999999", now=later(minutes=10), ledger=ledger)
    assert issue(holders[5], "mobile", NUMBER, now=later(days=1, minutes=1), ledger=ledger)

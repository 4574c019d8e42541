"""Emailed-link tokens: signed, expiring, single-use, superseded by a newer one."""
import pytest

from conseils_site.security import tokens
from conseils_site.security.tokens import (
    CONFIRM_EMAIL,
    MAX_AGE,
    RESET_PASSWORD,
    TOKEN_EXPIRED,
    TOKEN_INVALID,
    TOKEN_USED,
    TokenError,
    check_and_consume,
    consume_token,
    issue_token,
    read_token,
    redeem_token,
)

SETTINGS = {"conseils.session_secret": "secret-de-test"}
HOUR = 3600


class FakeUser:
    def __init__(self, user_id="u-1"):
        self.id = user_id
        self.tokens = {}


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(tokens, "clock", lambda: now[0])
    return now


def test_a_token_reads_back_and_works_once():
    user = FakeUser()
    token = issue_token(SETTINGS, user, RESET_PASSWORD)
    assert "." in token and token.isascii() and "/" not in token and "+" not in token
    user_id, nonce = read_token(SETTINGS, token, RESET_PASSWORD, HOUR)
    assert user_id == "u-1"
    assert check_and_consume(user, RESET_PASSWORD, nonce) is True
    assert RESET_PASSWORD not in user.tokens
    assert check_and_consume(user, RESET_PASSWORD, nonce) is False  # used


def test_expired_token(clock):
    user = FakeUser()
    token = issue_token(SETTINGS, user, RESET_PASSWORD)
    clock[0] += HOUR - 1
    read_token(SETTINGS, token, RESET_PASSWORD, HOUR)
    clock[0] += 2
    with pytest.raises(TokenError) as caught:
        read_token(SETTINGS, token, RESET_PASSWORD, HOUR)
    assert str(caught.value) == TOKEN_EXPIRED
    assert str(caught.value).startswith("Ce lien a expiré")


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-3],  # truncated by a mail client
    lambda t: t[:10] + ("A" if t[10] != "A" else "B") + t[11:],  # altered payload
    lambda t: "n'importe quoi",
    lambda t: "",
    lambda t: "éèà.€",
])
def test_forged_or_garbled_token(mangle):
    token = issue_token(SETTINGS, FakeUser(), CONFIRM_EMAIL)
    with pytest.raises(TokenError) as caught:
        read_token(SETTINGS, mangle(token), CONFIRM_EMAIL, MAX_AGE[CONFIRM_EMAIL])
    assert str(caught.value) == TOKEN_INVALID
    assert str(caught.value).startswith("Ce lien n'est pas valide")


def test_another_secret_or_purpose_is_refused():
    token = issue_token(SETTINGS, FakeUser(), CONFIRM_EMAIL)
    with pytest.raises(TokenError, match="pas valide"):
        read_token({"conseils.session_secret": "autre"}, token, CONFIRM_EMAIL, HOUR)
    with pytest.raises(TokenError, match="pas valide"):  # a confirmation link cannot reset
        read_token(SETTINGS, token, RESET_PASSWORD, HOUR)


def test_a_new_token_supersedes_the_old_one():
    user = FakeUser()
    old = issue_token(SETTINGS, user, RESET_PASSWORD)
    new = issue_token(SETTINGS, user, RESET_PASSWORD)
    _, old_nonce = read_token(SETTINGS, old, RESET_PASSWORD, HOUR)  # still well signed...
    _, new_nonce = read_token(SETTINGS, new, RESET_PASSWORD, HOUR)
    assert check_and_consume(user, RESET_PASSWORD, old_nonce) is False  # ...but replaced
    assert check_and_consume(user, RESET_PASSWORD, new_nonce) is True


def test_purposes_are_independent():
    user = FakeUser()
    confirm = issue_token(SETTINGS, user, CONFIRM_EMAIL)
    issue_token(SETTINGS, user, RESET_PASSWORD)
    _, nonce = read_token(SETTINGS, confirm, CONFIRM_EMAIL, HOUR)
    assert check_and_consume(user, CONFIRM_EMAIL, nonce) is True
    assert RESET_PASSWORD in user.tokens


def test_redeem_token_in_one_call():
    users = {"u-1": FakeUser("u-1")}
    token = issue_token(SETTINGS, users["u-1"], RESET_PASSWORD)
    assert redeem_token(SETTINGS, token, RESET_PASSWORD, HOUR, users.get) is users["u-1"]
    with pytest.raises(TokenError) as caught:
        redeem_token(SETTINGS, token, RESET_PASSWORD, HOUR, users.get)
    assert str(caught.value) == TOKEN_USED
    token = issue_token(SETTINGS, users["u-1"], RESET_PASSWORD)
    with pytest.raises(TokenError, match="pas valide"):  # the account is gone
        redeem_token(SETTINGS, token, RESET_PASSWORD, HOUR, {}.get)


def test_consume_token_raises_the_french_message():
    user = FakeUser()
    with pytest.raises(TokenError, match="déjà servi"):
        consume_token(user, CONFIRM_EMAIL, "pas-le-bon")


def test_works_with_a_persistent_mapping():
    from persistent.mapping import PersistentMapping
    user = FakeUser()
    user.tokens = PersistentMapping()
    token = issue_token(SETTINGS, user, CONFIRM_EMAIL)
    _, nonce = read_token(SETTINGS, token, CONFIRM_EMAIL, HOUR)
    assert check_and_consume(user, CONFIRM_EMAIL, nonce)
    assert dict(user.tokens) == {}


def test_no_secret_no_token():
    with pytest.raises(ValueError):
        issue_token({}, FakeUser(), CONFIRM_EMAIL)

"""Signed, expiring, single-use tokens for the links we email (confirmation, password reset).

The signature (itsdangerous, keyed by `conseils.session_secret`, salted per purpose) proves we
issued the link and when; the nonce it carries must still be the one stored in
`user.tokens[purpose]`, which makes the link single-use (consuming deletes it) and lets a newer
link replace an older one (issuing overwrites it). Nothing else is stored.

A view does:

    try:
        user_id, nonce = read_token(settings, token, RESET_PASSWORD, MAX_AGE[RESET_PASSWORD])
    except TokenError as exc:
        ...show str(exc)
    user = users.get(user_id)
    if user is None or not check_and_consume(user, RESET_PASSWORD, nonce):
        ...show TOKEN_USED

or, the same in one call, `user = redeem_token(settings, token, purpose, max_age, users.get)`.
"""
import hmac
import secrets
import time

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

CONFIRM_EMAIL = "confirmation"
RESET_PASSWORD = "mot-de-passe"
MAX_AGE = {CONFIRM_EMAIL: 48 * 3600, RESET_PASSWORD: 3600}  # seconds: 48 h to confirm, 1 h to reset

TOKEN_EXPIRED = "Ce lien a expiré : demandez-en un nouveau."
TOKEN_INVALID = ("Ce lien n'est pas valide : vérifiez qu'il a été copié en entier depuis le "
                 "courriel, ou demandez-en un nouveau.")
TOKEN_USED = ("Ce lien a déjà servi, ou un lien plus récent l'a remplacé : utilisez le dernier "
              "reçu, ou demandez-en un nouveau.")

clock = time.time  # the tests move time forward by replacing it


class TokenError(ValueError):
    """Its str() is the French message to show."""


class _Signer(TimestampSigner):
    def get_timestamp(self):
        return int(clock())


def _serializer(settings, purpose):
    secret = settings.get("conseils.session_secret")
    if not secret:
        raise ValueError("conseils.session_secret is not set")
    return URLSafeTimedSerializer(secret, salt=f"conseils-site/{purpose}", signer=_Signer)


def issue_token(settings, user, purpose):
    """A URL-safe token for `purpose`; any older one of the same purpose stops working."""
    nonce = secrets.token_urlsafe(16)
    user.tokens[purpose] = nonce
    return _serializer(settings, purpose).dumps([user.id, nonce])


def issue_bearer_token(settings, user_id, purpose):
    """(token, nonce) for `purpose` whose nonce only its bearer keeps (a device cookie): nothing
    is stored, so it is read with `read_token` and is not single-use."""
    nonce = secrets.token_urlsafe(16)
    return _serializer(settings, purpose).dumps([user_id, nonce]), nonce


def read_token(settings, token, purpose, max_age):
    """(user id, nonce) from a token of this purpose signed less than max_age seconds ago."""
    try:
        payload = _serializer(settings, purpose).loads(token or "", max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(TOKEN_EXPIRED) from exc
    except BadData as exc:  # forged, truncated, or issued for another purpose
        raise TokenError(TOKEN_INVALID) from exc
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] not in ("", None)
            and isinstance(payload[0], (str, int)) and isinstance(payload[1], str)):
        raise TokenError(TOKEN_INVALID)
    return payload[0], payload[1]


def check_and_consume(user, purpose, nonce):
    """True, once, for the latest token issued to this user for this purpose."""
    expected = user.tokens.get(purpose)
    if not expected or not hmac.compare_digest(expected.encode(), nonce.encode()):
        return False
    del user.tokens[purpose]
    return True


def consume_token(user, purpose, nonce):
    """check_and_consume for callers that prefer the French message as an exception."""
    if not check_and_consume(user, purpose, nonce):
        raise TokenError(TOKEN_USED)


def redeem_token(settings, token, purpose, max_age, find_user):
    """The user a valid, unused token was issued to, its token now spent; or TokenError.

    `find_user(user_id)` returns the user or None (e.g. `root["utilisateurs"].get`)."""
    user_id, nonce = read_token(settings, token, purpose, max_age)
    user = find_user(user_id)
    if user is None:  # the account was deleted since
        raise TokenError(TOKEN_INVALID)
    consume_token(user, purpose, nonce)
    return user

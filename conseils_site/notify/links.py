"""The links our messages carry: absolute addresses, short links for SMS, and signed tokens for
one-click unsubscribing and for confirming a newsletter subscription.

Every address starts with the site's public address (`addresses.public_url`, named `base_url`
here), never with the request's Host: a mail must not lead where the request came from.

Unsubscribe tokens are signed with the session secret (itsdangerous, salted per use) and do not
expire: people open old mails, and the worst a leaked one does is stop a newsletter. They name
what to stop ('lettre' + an address, 'alertes' or 'rappels' + an account id)."""
import secrets

from itsdangerous import BadData, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from ..addresses import absolute, public_url
from ..security.tokens import TOKEN_EXPIRED, TOKEN_INVALID, TokenError

UNSUBSCRIBE_SCOPES = ("lettre", "alertes", "rappels")
SUBSCRIPTION_MAX_AGE = 48 * 3600
base_url = public_url  # the name the notification modules use


def short_link(base, item):
    """/i/<id> (the id has 12 characters): short enough for an SMS; the page it leads to
    checks who may see the item."""
    item_id = getattr(item, "id", None)
    return f"{base}/i/{item_id}" if item_id else absolute(base, item)


def _secret(settings):
    secret = settings.get("conseils.session_secret")
    if not secret:
        raise ValueError("conseils.session_secret is not set")
    return secret


def unsubscribe_token(settings, scope, subject):
    if scope not in UNSUBSCRIBE_SCOPES:
        raise ValueError(scope)
    return URLSafeSerializer(_secret(settings), salt="conseils-site/desabonnement").dumps(
        [scope, subject])


def read_unsubscribe_token(settings, token):
    """(scope, subject) of a token we issued; TokenError otherwise."""
    try:
        payload = URLSafeSerializer(_secret(settings), salt="conseils-site/desabonnement").loads(
            token or "")
    except BadData as exc:
        raise TokenError(TOKEN_INVALID) from exc
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] in UNSUBSCRIBE_SCOPES
            and isinstance(payload[1], str) and payload[1]):
        raise TokenError(TOKEN_INVALID)
    return payload[0], payload[1]


def unsubscribe_url(settings, base, scope, subject):
    return f"{base}/desabonnement?jeton={unsubscribe_token(settings, scope, subject)}"


def new_nonce():
    return secrets.token_urlsafe(12)


def subscription_token(settings, email, nonce):
    return URLSafeTimedSerializer(_secret(settings), salt="conseils-site/lettre").dumps(
        [email, nonce])


def read_subscription_token(settings, token, max_age=SUBSCRIPTION_MAX_AGE):
    try:
        payload = URLSafeTimedSerializer(_secret(settings), salt="conseils-site/lettre").loads(
            token or "", max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(TOKEN_EXPIRED) from exc
    except BadData as exc:
        raise TokenError(TOKEN_INVALID) from exc
    if not (isinstance(payload, list) and len(payload) == 2
            and all(isinstance(p, str) and p for p in payload)):
        raise TokenError(TOKEN_INVALID)
    return payload[0], payload[1]

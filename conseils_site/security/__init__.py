"""One security policy: identity from the signed session, checked against the sessions the
server records (security/sessions.py), principals computed once per request."""
from pyramid.authorization import ACLHelper
from pyramid.session import SignedCookieSessionFactory
from pyramid.settings import asbool

from . import sessions
from .principals import compute_principals

SESSION_USER_KEY = "uid"
SESSION_ID_KEY = "sid"
SESSION_COOKIE = "conseils_session"


def _users(request):
    root = getattr(request, "root", None)
    if root is None:  # pyramid_tm asks for the user id before traversal sets request.root
        from ..resources import root_factory
        root = root_factory(request)
    return root.get("utilisateurs") if root is not None else None


def current_session_id(request):
    """The id of the browser's signed-in session, or None (read without creating a session)."""
    if SESSION_COOKIE not in request.cookies:
        return None
    return request.session.get(SESSION_ID_KEY)


def get_user(request):
    """The signed-in user: an active account whose session the server still records."""
    session_id = current_session_id(request)
    if not session_id:
        return None  # no session: do not create one (anonymous pages stay cookie-free)
    user_id = request.session.get(SESSION_USER_KEY)
    users = _users(request) if user_id else None
    user = users.get(user_id) if users is not None else None
    if user is None or not user.is_active or not sessions.is_open(user, session_id):
        return None  # signed out, ended elsewhere, or the account was disabled meanwhile
    return user


def get_principals(request):
    root = request.root if request.user is not None else None
    return compute_principals(request.user, getattr(root, "catalog", None))


class SecurityPolicy:
    def __init__(self):
        self.acl = ACLHelper()

    def identity(self, request):
        return request.user

    def authenticated_userid(self, request):
        user = request.user
        return user.id if user is not None else None

    def permits(self, request, context, permission):
        return self.acl.permits(context, request.principals, permission)

    def remember(self, request, userid, **kw):
        """A fresh cookie session naming a new server-side session of `userid`."""
        request.session.invalidate()
        users = _users(request)
        user = users.get(userid) if users is not None else None
        if user is None:
            return []
        request.session[SESSION_USER_KEY] = userid
        request.session[SESSION_ID_KEY] = sessions.start_session(user)
        return []

    def forget(self, request, **kw):
        """Ends this session on the server too: a copy of the cookie opens nothing afterwards."""
        session_id = current_session_id(request)
        user = request.user
        if user is not None and session_id:
            sessions.end_session(user, session_id)
        request.session.invalidate()
        return []


def includeme(config):
    settings = config.get_settings()
    secret = settings.get("conseils.session_secret")
    if not secret:
        raise ValueError("conseils.session_secret must be set (production: from the environment)")
    config.set_session_factory(SignedCookieSessionFactory(
        secret,
        cookie_name=SESSION_COOKIE,
        httponly=True,
        samesite="Lax",
        secure=asbool(settings.get("conseils.secure_cookies", False)),
        timeout=60 * 60 * 24 * 14,
        reissue_time=60 * 60,
    ))
    config.set_default_csrf_options(require_csrf=True, token="csrf_token", header="X-CSRF-Token")
    config.add_tween("conseils_site.security.headers.security_headers_tween_factory")
    config.add_request_method(get_user, "user", reify=True)
    config.add_request_method(get_principals, "principals", reify=True)
    config.set_security_policy(SecurityPolicy())
    config.include("conseils_site.security.passwords")  # the hasher's cost (the tests' setting)

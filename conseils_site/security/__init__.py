"""One security policy: identity from the signed session, principals computed once per request."""
from pyramid.authorization import ACLHelper
from pyramid.session import SignedCookieSessionFactory
from pyramid.settings import asbool

from .principals import compute_principals

SESSION_USER_KEY = "uid"
SESSION_COOKIE = "conseils_session"


def get_user(request):
    if SESSION_COOKIE not in request.cookies:
        return None  # no session: do not create one (anonymous pages stay cookie-free)
    user_id = request.session.get(SESSION_USER_KEY)
    if not user_id:
        return None
    root = getattr(request, "root", None)
    if root is None:  # pyramid_tm asks for the user id before traversal sets request.root
        from ..resources import root_factory
        root = root_factory(request)
    users = root.get("utilisateurs") if root is not None else None
    return users.get(user_id) if users is not None else None


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
        request.session.invalidate()
        request.session[SESSION_USER_KEY] = userid
        return []

    def forget(self, request, **kw):
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

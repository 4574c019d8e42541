"""French error pages in the layout, and one answer for what is hidden and what is missing.

Names are slugs of titles: answering 403 for an item one may not view and 404 for a missing one
would tell anyone that « Plainte contre M. X » exists. So whoever may not view the object a
request reached gets the page of a missing name, byte for byte; only a refusal on an object one
may view (editing a public document, say) answers 403. Visitors who are not signed in find the
sign-in form on both pages, and come back to the page afterwards."""
import logging
from urllib.parse import urlencode

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

from ..forms.account import LoginSchema
from ..forms.render import make_form

log = logging.getLogger(__name__)
ERROR_PAGE = "conseils_site:templates/error.pt"


def sign_in_form(request):
    """The « Connexion » form, posted to the sign-in page and coming back to this page (the
    sign-in page accepts same-site paths only)."""
    action = f"{request.script_name}/connexion?{urlencode({'came_from': request.path_qs})}"
    form = make_form(request, LoginSchema(), "Me connecter", formid="connexion", action=action)
    return form.render()


def _page(request, status, title, message):
    """Never stored by a cache: the sign-in form holds the visitor's own CSRF token."""
    request.response.status = status
    request.response.cache_control = "no-store"
    return {"title": title, "code": status, "message": message,
            "sign_in": sign_in_form(request) if request.user is None else None}


@notfound_view_config(renderer=ERROR_PAGE)
def not_found(request):
    if request.user is None:
        return _page(request, 404, "Page introuvable",
                     "Cette page n'existe pas ou elle est réservée aux conseillers. Si vous êtes "
                     "conseiller ou conseillère, connectez-vous : vous reviendrez ici.")
    return _page(request, 404, "Page introuvable",
                 "Cette page n'existe pas ou n'existe plus. Vérifiez l'adresse, "
                 "ou cherchez un conseil depuis l'accueil.")


@forbidden_view_config(renderer=ERROR_PAGE)
def forbidden(request):
    context = getattr(request, "context", None)
    if context is not None and not request.has_permission("view", context):
        return not_found(request)  # hidden answers exactly as missing
    if request.user is None:
        return _page(request, 403, "Accès réservé",
                     "Cette page est réservée. Connectez-vous avec un compte qui y a accès : "
                     "vous reviendrez ici.")
    return _page(request, 403, "Accès réservé",
                 "Cette page est réservée. Connectez-vous avec un compte qui y a accès.")


@exception_view_config(BadCSRFToken, renderer=ERROR_PAGE)
def bad_csrf(request):
    request.response.status = 400
    return {"title": "Formulaire expiré", "code": 400, "sign_in": None,
            "message": "Ce formulaire a expiré ou ne vient pas de ce site, il n'a donc pas été "
                       "enregistré. Revenez à la page précédente, rechargez-la, puis envoyez-le "
                       "à nouveau."}


# A conflict that pyramid_retry will retry is not an error yet: no page, no traceback in the log.
# The page is for errors that will not be retried, and for the last attempt.
@exception_view_config(Exception, renderer=ERROR_PAGE, retryable_error=False)
@exception_view_config(Exception, renderer=ERROR_PAGE, last_retry_attempt=True)
def server_error(exc, request):
    if isinstance(exc, HTTPForbidden):
        return forbidden(request)
    log.exception("Erreur pendant %s %s", request.method, request.path_qs, exc_info=exc)
    request.response.status = 500
    return {"title": "Erreur du serveur", "code": 500, "sign_in": None,
            "message": "Une erreur est survenue de notre côté ; rien n'a été enregistré. "
                       "Réessayez dans un instant."}

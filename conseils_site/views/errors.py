"""French error pages in the layout."""
import logging

from pyramid.exceptions import BadCSRFToken
from pyramid.httpexceptions import HTTPForbidden
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config

log = logging.getLogger(__name__)


@notfound_view_config(renderer="conseils_site:templates/error.pt")
def not_found(request):
    request.response.status = 404
    return {"title": "Page introuvable", "code": 404,
            "message": "Cette page n'existe pas ou n'existe plus. Vérifiez l'adresse, "
                       "ou cherchez un conseil depuis l'accueil."}


@forbidden_view_config(renderer="conseils_site:templates/error.pt")
def forbidden(request):
    request.response.status = 403
    return {"title": "Accès réservé", "code": 403,
            "message": "Cette page est réservée. Connectez-vous avec un compte qui y a accès."}


@exception_view_config(BadCSRFToken, renderer="conseils_site:templates/error.pt")
def bad_csrf(request):
    request.response.status = 400
    return {"title": "Formulaire expiré", "code": 400,
            "message": "Ce formulaire a expiré ou ne vient pas de ce site, il n'a donc pas été "
                       "enregistré. Revenez à la page précédente, rechargez-la, puis envoyez-le "
                       "à nouveau."}


# A conflict that pyramid_retry will retry is not an error yet: no page, no traceback in the log.
# The page is for errors that will not be retried, and for the last attempt.
@exception_view_config(Exception, renderer="conseils_site:templates/error.pt", retryable_error=False)
@exception_view_config(Exception, renderer="conseils_site:templates/error.pt", last_retry_attempt=True)
def server_error(exc, request):
    if isinstance(exc, HTTPForbidden):
        return forbidden(request)
    log.exception("Erreur pendant %s %s", request.method, request.path_qs, exc_info=exc)
    request.response.status = 500
    return {"title": "Erreur du serveur", "code": 500,
            "message": "Une erreur est survenue de notre côté ; rien n'a été enregistré. "
                       "Réessayez dans un instant."}

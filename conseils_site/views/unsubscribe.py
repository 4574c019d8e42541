"""The links our messages carry, which work without signing in.

- `/desabonnement?jeton=…`: one-click unsubscribe. A GET shows what the link stops and a button
  (mail scanners open links: a GET changes nothing); the POST stops it. Mail programs POST
  `List-Unsubscribe=One-Click` to the same address (RFC 8058), with no cookie: the signed token
  is the proof, so this view takes no CSRF token.
- `/i/<id>`: the short link of SMS alerts. It leads to the item only for people allowed to see
  it (others are asked to sign in, or told it is reserved): the address of a private item is
  never revealed."""
from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from ..notify.links import read_unsubscribe_token
from ..notify.newsletter import unsubscribe as stop_newsletter
from ..notify.preferences import stop_email
from ..resources import SiteRoot
from ..security.tokens import TokenError

PAGE = "conseils_site:templates/newsletter/unsubscribe.pt"
WHAT = {
    "lettre": ("la lettre d'information mensuelle",
               "Vous ne recevrez plus la lettre d'information des conseils citoyens."),
    "alertes": ("les alertes par courriel",
                "Vous ne recevrez plus d'alertes ni de résumés par courriel. Vos alertes par "
                "SMS et les rappels du matin ne changent pas."),
    "rappels": ("les rappels du matin par courriel",
                "Vous ne recevrez plus par courriel le rappel des événements du jour de votre "
                "conseil."),
}


def _apply(root, scope, subject):
    if scope == "lettre":
        stop_newsletter(root, subject)
        return
    user = root.users.get(subject)
    if user is not None:  # a deleted account receives nothing anyway
        stop_email(user, scope)


@view_config(context=SiteRoot, name="desabonnement", require_csrf=False, renderer=PAGE)
def unsubscribe(context, request):
    request.response.cache_control = "no-store"
    token = request.params.get("jeton", "")
    try:
        scope, subject = read_unsubscribe_token(request.registry.settings, token)
    except TokenError as exc:
        request.response.status = 400
        return {"title": "Ce lien ne fonctionne pas", "error": str(exc), "done": False,
                "what": None, "token": None}
    what, sentence = WHAT[scope]
    if request.method == "POST":
        _apply(context, scope, subject)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return Response("Désabonnement enregistré.\n", content_type="text/plain",
                            charset="utf-8", cache_control="no-store")
        return {"title": "C'est fait", "error": None, "done": True, "what": what,
                "sentence": sentence, "token": token, "scope": scope}
    return {"title": f"Ne plus recevoir {what}", "error": None, "done": False, "what": what,
            "sentence": sentence, "token": token, "scope": scope}


@view_config(context=SiteRoot, name="i", request_method="GET")
def short_link(context, request):
    if len(request.subpath) != 1:
        raise HTTPNotFound()
    item = context.catalog.by_id(request.subpath[0])
    if item is None or getattr(item, "__parent__", None) is None \
            or getattr(item, "kind", None) in (None, "user", "council", "group"):
        raise HTTPNotFound()
    if request.has_permission("view", item):
        response = HTTPSeeOther(request.resource_url(item))
    elif request.user is None:
        response = HTTPSeeOther(request.resource_url(
            context, "connexion", query={"came_from": request.path}))
    else:
        raise HTTPForbidden()
    response.cache_control = "no-store"
    return response

"""/admin/comptes: animators find an account by name or email, see its state, and disable or
enable it (with a confirmation step). The rule itself lives in accounts.py."""
from hypatia.query import Eq
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config

from ..accounts import can_change_state, disable_account, enable_account
from ..catalog.queries import text_query
from ..resources import Admin
from ..text import fold
from .account import message_page

PERMISSION = "manage-accounts"  # granted with the admin area (animators), named for the views
TEMPLATE = "conseils_site:templates/admin/accounts.pt"
CONFIRM_TEMPLATE = "conseils_site:templates/admin/accounts_confirm.pt"
LIMIT = 50
ACTIONS = {
    # action: (what it does, the button, the confirmation's explanation, the result)
    "desactiver": (disable_account, "Désactiver le compte",
                   "La personne ne pourra plus se connecter, ses connexions en cours prennent "
                   "fin, et les rôles qui lui ont été attribués ne comptent plus tant que le "
                   "compte reste désactivé. Rien de ce qu'elle a publié n'est supprimé.",
                   "Le compte de {name} est désactivé."),
    "reactiver": (enable_account, "Réactiver le compte",
                  "La personne pourra de nouveau se connecter avec son mot de passe, et retrouve "
                  "ses conseils et les rôles qui lui avaient été attribués.",
                  "Le compte de {name} est réactivé."),
}


def find_accounts(root, text, limit=LIMIT):
    """(accounts matching a name or an email, whether there were more than `limit`)."""
    text = (text or "").strip()[:200]
    if not text:
        return [], False
    found = {}
    email = text.lower()
    for user_id in root.users.by_email.values(min=email, max=email + "\uffff"):
        found[user_id] = root.users.get(user_id)
        if len(found) > limit:
            break
    catalog = root.catalog
    names = text_query(catalog, text)
    if names is not None and len(found) <= limit:
        query = names & Eq(catalog.indexes["kind"], "user")
        for user in query.execute(resolver=catalog.get):
            found.setdefault(user.id, user)
            if len(found) > limit:
                break
    accounts = sorted((u for u in found.values() if u is not None),
                      key=lambda u: (fold(u.last_name), fold(u.first_name), u.email))
    return accounts[:limit], len(accounts) > limit


def action_of(user):
    return "reactiver" if user.state == "disabled" else "desactiver"


@view_config(context=Admin, name="comptes",
             permission=PERMISSION, renderer=TEMPLATE)
def accounts(context, request):
    root = request.root
    q = request.params.get("q", "").strip()[:200]
    found, more = find_accounts(root, q)
    request.response.cache_control = "no-store"
    return {"title": "Comptes", "q": q, "accounts": found, "more": more, "limit": LIMIT,
            "action_of": action_of, "labels": {k: v[1] for k, v in ACTIONS.items()},
            "me": request.user}


@view_config(context=Admin, name="etat-compte",
             permission=PERMISSION, renderer=CONFIRM_TEMPLATE)
def change_state(context, request):
    """GET: what the change does, and a confirmation button. POST (CSRF-checked): do it."""
    root = request.root
    user = root.users.get(request.params.get("id", ""))
    if user is None:
        raise HTTPNotFound()
    back = request.resource_url(context, "comptes", query={"q": user.email})
    problem = can_change_state(user, request.user)
    if problem:
        return message_page(request, "Changement impossible", [problem],
                            [(back, "Revenir aux comptes")], status=400)
    action = action_of(user)
    do, button, explanation, result = ACTIONS[action]
    if request.method == "POST":
        if request.params.get("action") == action:
            do(root, user, request.user)
            request.session.flash(result.format(name=user.title))
        return HTTPSeeOther(back)
    request.response.cache_control = "no-store"
    return {"title": f"{button} de {user.title} ?", "user": user, "action": action,
            "button": button, "explanation": explanation, "back": back}

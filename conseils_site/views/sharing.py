"""@@partage on any object: who can see it, who can change it and why; grant or revoke roles."""
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..security.audit import named, person
from ..security.explain import explain
from ..security.roles import LOCAL_ROLES, ROLE_LABELS, grant_role, local_roles, revoke_role


@view_config(name="partage", permission="share", renderer="conseils_site:templates/admin/sharing.pt")
def sharing(context, request):
    root = request.root
    error = None
    typed_email = ""
    if request.method == "POST":
        action = request.POST.get("action")
        role = request.POST.get("role", "")
        if action == "attribuer":
            typed_email = request.POST.get("email", "").strip()
            user = root.users.find_by_email(typed_email)
            if role not in LOCAL_ROLES:
                error = "Choisissez un rôle dans la liste."
            elif user is None:
                error = f"Aucun compte n'utilise l'adresse « {typed_email} »."
            elif not user.is_active:
                error = f"Le compte de {user.title} n'est pas validé ({user.state_label})."
            elif grant_role(context, user, role, person(request.user), root.audit):
                request.session.flash(f"{user.title} a maintenant le rôle {ROLE_LABELS[role]} ici.")
                return HTTPSeeOther(request.resource_path(context, "@@partage"))
            else:
                error = f"{user.title} a déjà ce rôle ici."
        elif action == "retirer":
            user_id = request.POST.get("user_id", "")
            user = root.users.get(user_id)
            label = user.title if user is not None else "un ancien membre"
            # the journal names the person with their address, which the filter by person finds
            journal_label = named(user) if user is not None else f"un ancien membre ({user_id})"
            if revoke_role(context, user_id, role, person(request.user), root.audit, journal_label):
                request.session.flash(f"Le rôle {ROLE_LABELS.get(role, role)} de {label} est retiré.")
            return HTTPSeeOther(request.resource_path(context, "@@partage"))
    grants = []
    for user_id, roles in sorted(local_roles(context).items()):
        user = root.users.get(user_id)
        for role in roles:
            grants.append({"user_id": user_id, "role": role, "role_label": ROLE_LABELS[role],
                           "name": user.title if user else "ancien membre",
                           "email": user.email if user else ""})
    if error:
        request.response.status = 400
        request.tm.doom()  # a refusal commits nothing, whatever was touched on the way
    return {
        "title": f"Accès — {getattr(context, 'title', None) or 'racine du site'}",
        "viewers": explain(context, "view", root.catalog, root.users),
        "editors": explain(context, "edit", root.catalog, root.users),
        "cowriters": (explain(context, "cowrite", root.catalog, root.users)
                      if getattr(context, "mode", None) == "collaboratif" else []),
        "grants": grants,
        "roles": [(r, ROLE_LABELS[r]) for r in LOCAL_ROLES],
        "error": error,
        "typed_email": typed_email,
        "typed_role": request.POST.get("role", "") if request.method == "POST" else "",
    }

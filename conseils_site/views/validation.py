"""Validation of registrations: the animators' queue, the council's queue, one decision endpoint."""
from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPSeeOther
from pyramid.view import view_config

from ..accounts import can_validate, decide, pending_age_hours, pending_requests
from ..resources import Admin, Council, SiteRoot
from ..security.audit import named, person

PROMISE_HOURS = 48


class QueueEntry:
    """A pending request as a queue shows it: who, which council, how long it has waited."""

    def __init__(self, user, catalog):
        self.user = user
        self.councils = [c for c in (catalog.by_id(i) for i in user.council_ids) if c is not None]
        self.hours = int(pending_age_hours(user))
        self.overdue = self.hours >= PROMISE_HOURS
        self.late = self.hours >= 24

    @property
    def age(self):
        if self.hours < 1:
            return "moins d'une heure"
        if self.hours < 48:
            return f"{self.hours} h"
        return f"{self.hours // 24} jours"


def queue(request, council_id=None):
    catalog = request.root.catalog
    entries = [QueueEntry(u, catalog) for u in pending_requests(catalog, council_id)]
    # Oldest first already; overdue ones stand first by construction.
    return entries


@view_config(context=Admin, name="inscriptions", permission="validate",
             renderer="conseils_site:templates/admin/registrations.pt")
def admin_registrations(context, request):
    entries = queue(request)
    return {"title": "Inscriptions à valider", "entries": entries,
            "overdue": sum(1 for e in entries if e.overdue)}


@view_config(context=SiteRoot, name="decider", request_method="POST")
def decide_view(context, request):
    """Accept or refuse, for animators and the applicant's council peers; POST only, CSRF-checked."""
    user = context.users.get(request.POST.get("user_id", ""))
    decision = request.POST.get("decision")
    if user is None or decision not in ("accepter", "refuser"):
        request.session.flash("Cette demande n'existe plus ou a déjà été traitée.")
        return HTTPSeeOther(_back(request))
    if not can_validate(request, user):
        if user.state != "pending":
            request.session.flash(f"La demande de {user.title} a déjà été traitée.")
            return HTTPSeeOther(_back(request))
        raise HTTPForbidden()
    accepted = decision == "accepter"
    message = request.POST.get("message", "")[:2000]
    decide(user, accepted, request.user, message)
    _journal(request, user, accepted)
    from ..notify.account import send_decision

    send_decision(request, user, accepted, message)
    verb = "acceptée" if accepted else "refusée"
    request.session.flash(f"L'inscription de {user.title} est {verb} ; un courriel l'en informe.")
    return HTTPSeeOther(_back(request))


def _journal(request, user, accepted):
    """Who decided, about whom, for which council, and the message they wrote."""
    catalog = request.root.catalog
    councils = [c for c in (catalog.by_id(i) for i in user.council_ids) if c is not None]
    names = ", ".join(f"{c.title} ({c.code})" for c in councils) or "aucun conseil"
    said = f"message : « {user.decision_message} »" if user.decision_message else "sans message"
    request.root.audit.record(
        actor=person(request.user), subject=person(user),
        action="inscription acceptée" if accepted else "inscription refusée",
        target=request.resource_path(councils[0]) if councils else "/admin/inscriptions",
        detail=f"{named(user)} — conseil : {names} — {said}")


def _back(request):
    """Return to the queue the decision came from (same site only)."""
    target = request.POST.get("back", "")
    if target.startswith("/") and not target.startswith("//"):
        return target
    return request.resource_path(request.root["admin"], "inscriptions")


@view_config(context=SiteRoot, name="gerer", renderer="conseils_site:templates/admin/gerer.pt")
def manage(context, request):
    """« Gérer mon conseil »: straight to the council's dashboard, or a chooser if several."""
    user = request.user
    if user is None:
        return HTTPFound(request.resource_path(context, "connexion", query={"came_from": "/gerer"}))
    catalog = context.catalog
    councils = [c for c in (catalog.by_id(i) for i in user.council_ids) if c is not None]
    if user.is_active and len(councils) == 1:
        return HTTPFound(request.resource_path(councils[0], "@@tableau-de-bord"))
    return {"title": "Gérer mon conseil", "councils": councils, "user": user}


@view_config(context=Council, name="tableau-de-bord", permission="create",
             renderer="conseils_site:templates/admin/dashboard.pt")
def council_dashboard(context, request):
    """« Gérer mon conseil »: what is new, what is coming, who waits, and the buttons to publish."""
    from .council_lists import dashboard_content

    entries = queue(request, context.id)
    result = {"title": f"Tableau de bord — {context.title}", "council": context, "entries": entries,
              "can_validate": request.has_permission("validate", context)}
    result.update(dashboard_content(request, context))
    return result

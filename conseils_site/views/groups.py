"""Working groups: the public directory, the animators' administration, councillors' requests.
A group's own page and space are in group_space.py."""
from hypatia.query import Eq
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from ..forms.groups import GroupRequestSchema, GroupSchema
from ..forms.render import FormError, make_form, process_form
from ..geography import get_geography
from ..resources import Admin, GroupRequest, WorkingGroup, WorkingGroups
from ..resources.groups import join_group, leave_group


def group_councils(request, group):
    catalog = request.root.catalog
    councils = [c for c in (catalog.by_id(i) for i in group.council_ids) if c is not None]
    return sorted(councils, key=lambda c: (c.commune_name, c.title))


@view_config(context=WorkingGroups, renderer="conseils_site:templates/groups/list.pt")
def groups_directory(context, request):
    groups = sorted(context.values(), key=lambda g: g.title.lower())
    return {"title": "Groupes de travail", "groups": groups,
            "councils_of": lambda g: group_councils(request, g),
            "can_request": request.has_permission("request_group", context)}


def territory_label(scale, code):
    geo = get_geography()
    if not code:
        return ""
    if scale == "commune" and code in geo.communes:
        return geo.communes[code].name
    if scale == "epci" and code in geo.epcis:
        return geo.epcis[code].name
    if scale == "departement" and code in geo.departements:
        return f"{geo.departements[code].name} ({code})"
    return None


def councils_of_territory(catalog, scale, code):
    index = {"commune": "commune_code", "epci": "epci_code", "departement": "departement_code"}[scale]
    query = Eq(catalog.indexes["kind"], "council")
    if scale == "departement":
        query &= Eq(catalog.indexes["territories"], f"departement:{code}")
        return list(query.execute(resolver=catalog.get))
    return [c for c in query.execute(resolver=catalog.get) if getattr(c, index) == code]


@view_config(context=Admin, name="groupes", permission="admin",
             renderer="conseils_site:templates/groups/admin.pt")
def admin_groups(context, request):
    root = request.root
    form = make_form(request, GroupSchema(), "Créer le groupe", formid="groupe")

    def create(data):
        label = territory_label(data["scale"], data["territory_code"].strip())
        if label is None:
            raise FormError("territory_code", "Ce code ne correspond à aucun territoire de cette échelle.")
        councils, unknown = [], []
        for code in data["council_codes"].split():
            council = root.territoires.council_by_code(code.strip())
            (councils.append(council) if council is not None else unknown.append(code))
        if unknown:
            raise FormError("council_codes", "Codes inconnus : " + ", ".join(unknown))
        if data["add_territory"]:
            if not data["territory_code"] or data["scale"] == "libre":
                raise FormError("add_territory", "Indiquez d'abord le code d'une commune, "
                                "d'une intercommunalité ou d'un département.")
            councils += councils_of_territory(root.catalog, data["scale"], data["territory_code"].strip())
        groups = root.groups
        group = groups.add(groups.unique_name(data["title"]), WorkingGroup(
            data["title"], data["scale"], data["territory_code"].strip(), label, data["description"]))
        for council in councils:
            join_group(group, council)
        root.audit.record(actor=_actor(request), action="création de groupe",
                          target=request.resource_path(group), detail=f"{len(group.council_ids)} conseil(s)")
        request.session.flash(f"Le groupe « {group.title} » est créé avec {len(group.council_ids)} conseil(s).")
        return HTTPSeeOther(request.resource_path(group))

    result = process_form(request, form, create)
    if not isinstance(result, dict):
        return result
    requests = [r for r in root.groups.requests.values() if r.state == "pending"]
    result.update({"title": "Groupes de travail", "groups": sorted(root.groups.values(), key=lambda g: g.title.lower()),
                   "requests": sorted(requests, key=lambda r: r.created), "users": root.users})
    return result


def _actor(request):
    user = request.user
    return {"id": user.id, "name": user.title, "email": user.email} if user else {"id": None, "name": "?"}


@view_config(context=Admin, name="demande-traitee", permission="admin", request_method="POST")
def request_done(context, request):
    group_request = request.root.groups.requests.get(request.POST.get("id", ""))
    if group_request is not None and group_request.state == "pending":
        group_request.state = "done"
        request.session.flash(f"La demande « {group_request.title} » est marquée comme traitée.")
    return HTTPSeeOther(request.resource_path(context, "groupes"))


@view_config(context=WorkingGroup, name="modifier", permission="edit",
             renderer="conseils_site:templates/groups/edit.pt")
def edit_group(context, request):
    root = request.root
    error, typed = None, ""
    if request.method == "POST":
        for council_id in request.POST.getall("remove"):
            council = root.catalog.by_id(council_id)
            if council is not None:
                leave_group(context, council)
        typed = request.POST.get("add", "")
        unknown = []
        for code in typed.split():
            council = root.territoires.council_by_code(code)
            if council is None:
                unknown.append(code)
            else:
                join_group(context, council)
        if unknown:
            error = "Codes inconnus : " + ", ".join(unknown)
            request.response.status = 400
        else:
            root.audit.record(actor=_actor(request), action="modification de groupe",
                              target=request.resource_path(context), detail=f"{len(context.council_ids)} conseil(s)")
            request.session.flash("Le groupe est mis à jour.")
            return HTTPSeeOther(request.resource_path(context))
    return {"title": f"Modifier — {context.title}", "group": context,
            "councils": group_councils(request, context), "error": error, "typed": typed}


@view_config(context=WorkingGroups, name="demande", permission="request_group",
             renderer="conseils_site:templates/groups/request.pt")
def request_group(context, request):
    form = make_form(request, GroupRequestSchema(), "Envoyer la demande", formid="demande")

    def send(data):
        item = GroupRequest(data["title"], data["scale"], data["territory_label"], data["councils_text"],
                            data["message"], request.user.id)
        context.requests.add(item.id, item)
        request.session.flash("Votre demande est envoyée aux animateurs, qui vous répondront par courriel.")
        return HTTPSeeOther(request.resource_path(context))

    result = process_form(request, form, send)
    if isinstance(result, dict):
        result["title"] = "Demander un groupe de travail"
    return result

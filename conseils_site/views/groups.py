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
from ..security.audit import person


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
        councils, unknown = councils_by_codes(root, data["council_codes"])
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
        members = group_councils(request, group)
        root.audit.record(actor=person(request.user), action="création de groupe",
                          target=request.resource_path(group),
                          detail=f"« {group.title} », {len(members)} conseil(s) : {council_names(members)}")
        request.session.flash(f"Le groupe « {group.title} » est créé avec {len(group.council_ids)} conseil(s).")
        return HTTPSeeOther(request.resource_path(group))

    result = process_form(request, form, create)
    if not isinstance(result, dict):
        return result
    requests = [r for r in root.groups.requests.values() if r.state == "pending"]
    result.update({"title": "Groupes de travail", "groups": sorted(root.groups.values(), key=lambda g: g.title.lower()),
                   "requests": sorted(requests, key=lambda r: r.created), "users": root.users})
    return result


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
    """Councils leave and join in one go, or not at all: every code is checked before anything
    changes, and a refusal dooms the transaction so nothing of the request is committed."""
    root = request.root
    error, typed, ticked = None, "", set()
    if request.method == "POST":
        ticked = set(request.POST.getall("remove"))
        typed = request.POST.get("add", "")
        adding, unknown = councils_by_codes(root, typed)
        if unknown:
            error = "Codes inconnus : " + ", ".join(unknown) + ". Rien n'a été modifié : " \
                    "corrigez ou retirez ces codes, puis enregistrez à nouveau."
            request.response.status = 400
            request.tm.doom()
        else:
            adding_ids = {c.id for c in adding}
            leaving = [c for c in (root.catalog.by_id(i) for i in sorted(ticked))
                       if c is not None and c.id in context.council_ids and c.id not in adding_ids]
            joining = [c for c in adding if c.id not in context.council_ids]
            for council in leaving:
                leave_group(context, council)
            for council in joining:
                join_group(context, council)
            if joining or leaving:
                root.audit.record(actor=person(request.user), action="modification de groupe",
                                  target=request.resource_path(context),
                                  detail=membership_change(context, joining, leaving))
                request.session.flash("Le groupe est mis à jour.")
            else:
                request.session.flash("Rien n'a changé : ces conseils étaient déjà membres.")
            return HTTPSeeOther(request.resource_path(context))
    return {"title": f"Modifier — {context.title}", "group": context,
            "councils": group_councils(request, context), "error": error, "typed": typed,
            "ticked": ticked}


def councils_by_codes(root, text):
    """The councils named by the codes typed (one per line or separated by spaces), each once,
    and the codes that name none."""
    councils, unknown, seen = [], [], set()
    for code in text.split():
        council = root.territoires.council_by_code(code)
        if council is None:
            unknown.append(code)
        elif council.id not in seen:
            seen.add(council.id)
            councils.append(council)
    return councils, unknown


def council_names(councils):
    """How the journal names councils: by name and code, which stay readable if one is removed."""
    return ", ".join(f"{c.title} ({c.code})" for c in councils) or "aucun"


def membership_change(group, joining, leaving):
    parts = [f"« {group.title} »"]
    if joining:
        parts.append(f"entré(s) : {council_names(joining)}")
    if leaving:
        parts.append(f"sorti(s) : {council_names(leaving)}")
    return " ; ".join(parts)


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

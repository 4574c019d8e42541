"""/ressources: the animators' toolbox, and what the councils chose to publish for everyone.

Two tabs, two addresses: `/ressources` (Boîte à outils) and `/ressources/publications`
(Publications des conseils). Publications are council documents and action reports whose
visibility is "public", found through the permission-filtered catalog helpers."""
from urllib.parse import urlencode

from hypatia.query import Eq
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from .. import types
from ..catalog.queries import items_query, page_number, paginate
from ..forms.news import CATEGORIES, parse_tags, resource_schema, to_safe_html
from ..forms.render import FormError, make_form, process_form
from ..geography import get_geography
from ..resources import Attachment, ResourceItem, ResourcesFolder
from ..resources.content import utcnow
from ..resources.events import ObjectModified, notify
from ..security.sanitize import html_to_text
from ..text import fold
from .cache import anonymous_page_cache
from .feeds import FEED_NAME
from .layout import add_feed
from .news import attachment_response, french_date, take_upload, unique_item_name

PAGE_SIZE = 20
RESOURCE_VIEWS = {"ajouter", "publications"}


def publication_kinds():
    """{kind: plural} of what « Publications des conseils » lists: a council's items that are
    not events (types/declarations.py)."""
    return {kind: types.plural(kind) for kind in types.publication_kinds()}
TABS = (("", "Boîte à outils"), ("publications", "Publications des conseils"))


def tabs(request, current):
    """(url, label, is current) of the section's two tabs."""
    folder = request.root["ressources"]
    base = request.resource_path(folder).rstrip("/")
    return [(f"{base}/{name}" if name else base, label, name == current) for name, label in TABS]


def tag_link(request, tag):
    """The toolbox filtered on one tag."""
    return request.resource_path(request.root["ressources"]).rstrip("/") + "?" + urlencode({"motcle": tag})


def excerpt(html, length=220):
    text = html_to_text(html)
    return text if len(text) <= length else text[:length].rsplit(" ", 1)[0] + " …"


def _common(request, current):
    return {"tabs": tabs(request, current), "french_date": french_date, "excerpt": excerpt,
            "categories": CATEGORIES}


@view_config(context=ResourcesFolder, renderer="conseils_site:templates/resources/toolbox.pt",
             permission="view", decorator=anonymous_page_cache)
def toolbox(context, request):
    catalog = request.root.catalog
    add_feed(request, "Ressources (Atom)", request.resource_url(context, FEED_NAME))
    category = request.params.get("categorie", "")
    category = category if category in CATEGORIES else ""
    tag = " ".join(request.params.get("motcle", "").split())[:40]
    query = items_query(catalog, kinds=("resource",))
    if category:
        query &= Eq(catalog.indexes["category"], category)
    if tag:
        query &= Eq(catalog.indexes["tags"], fold(tag))
    page = paginate(catalog, request, query, "newest", number=page_number(request), size=PAGE_SIZE)
    params = {k: v for k, v in (("categorie", category), ("motcle", tag)) if v}
    return dict(_common(request, ""), title="Ressources — Boîte à outils", page=page,
                category=category, tag=tag, query_prefix=urlencode(params) + "&" if params else "",
                tag_url=lambda t: tag_link(request, t),
                can_add=request.has_permission("create", context))


@view_config(context=ResourcesFolder, name="publications", permission="view",
             renderer="conseils_site:templates/resources/publications.pt",
             decorator=anonymous_page_cache)
def publications(context, request):
    catalog = request.root.catalog
    geo = get_geography()
    kind = request.params.get("type", "")
    kinds = publication_kinds()
    kind = kind if kind in kinds else ""
    region = request.params.get("region", "")
    region = region if region in geo.regions else ""
    departement = request.params.get("departement", "")
    departement = departement if departement in geo.departements else ""
    query = items_query(catalog, kinds=(kind,) if kind else tuple(kinds),
                        visibility="public", departement=departement or None, region=region or None)
    page = paginate(catalog, request, query, "newest", number=page_number(request), size=PAGE_SIZE)
    params = {k: v for k, v in (("type", kind), ("region", region), ("departement", departement)) if v}
    departements = sorted((d for d in geo.departements.values()
                           if not region or d.region_code == region), key=lambda d: d.code)
    return dict(_common(request, "publications"), title="Ressources — Publications des conseils",
                page=page, kind=kind, region=region, departement=departement,
                kinds=kinds, kind_labels=types.labels(), departements=departements,
                query_prefix=urlencode(params) + "&" if params else "", filtered=bool(params))


@view_config(context=ResourceItem, renderer="conseils_site:templates/resources/item.pt",
             permission="view", decorator=anonymous_page_cache)
def resource_item(context, request):
    return dict(_common(request, ""), title=context.title, item=context,
                tag_url=lambda t: tag_link(request, t),
                can_edit=request.has_permission("edit", context),
                can_delete=request.has_permission("delete", context))


@view_config(context=Attachment, containment=ResourcesFolder, permission="view")
def resource_file(context, request):
    """A toolbox file, as visible as its resource (an Attachment has no ACL of its own)."""
    return attachment_response(request, context)


def add_attachment(item, attachment):
    """Place a file in its item under its safe name, numbered when the name is taken."""
    stem, _, ext = attachment.filename.rpartition(".")
    name, n = attachment.filename, 1
    while name in item:
        n += 1
        name = f"{stem}-{n}.{ext}"
    attachment.filename = name
    item.add(name, attachment)


def _apply(request, item, data):
    """Copy a validated form onto a resource; files are taken from the store only at the end."""
    files = data["files"]
    if not data["url"] and not files["existing"] and not files["tokens"]:
        raise FormError("files", "Joignez au moins un fichier ou indiquez un lien (ci-dessus).")
    received = []
    for token in files["tokens"]:
        taken = take_upload(request, token)
        if taken is None:
            raise FormError("files", "Un fichier n'est plus disponible : choisissez-le à nouveau.")
        received.append(taken)
    item.title = data["title"]
    item.category = data["category"]
    item.tags = parse_tags(data["tags"])
    item.description = to_safe_html(data["description"])
    item.url = data["url"]
    for name in [n for n in item.keys() if n not in files["existing"]]:
        item.remove(name)
    for filename, payload, kind in received:
        add_attachment(item, Attachment(filename, payload, kind))
    item.modified = utcnow()


@view_config(context=ResourcesFolder, name="ajouter", permission="create",
             renderer="conseils_site:templates/news/form.pt")
def resource_add(context, request):
    form = make_form(request, resource_schema(), "Publier la ressource", formid="ressource")

    def create(data):
        item = ResourceItem(data["title"], author_id=getattr(request.user, "id", None))
        _apply(request, item, data)
        # Added last, so the catalog indexes it complete; its files follow it in.
        context.add(unique_item_name(context, item.title, RESOURCE_VIEWS), item)
        request.session.flash(f"La ressource « {item.title} » est publiée.")
        return HTTPSeeOther(request.resource_path(item))

    result = process_form(request, form, create)
    if isinstance(result, dict):
        result.update(title="Nouvelle ressource", back=(request.resource_path(context), "Ressources"))
    return result


@view_config(context=ResourceItem, name="modifier", permission="edit",
             renderer="conseils_site:templates/news/form.pt")
def resource_edit(context, request):
    current = [(a.__name__, f"« {a.filename} » ({a.label})") for a in context.attachments()]
    form = make_form(request, resource_schema(current), "Enregistrer les modifications",
                     formid="ressource")

    def save(data):
        _apply(request, context, data)
        notify(ObjectModified(context))
        request.session.flash("La ressource est mise à jour.")
        return HTTPSeeOther(request.resource_path(context))

    initial = {"title": context.title, "category": context.category, "tags": ", ".join(context.tags),
               "description": context.description, "url": context.url,
               "files": {"existing": [name for name, _ in current], "tokens": []}}
    result = process_form(request, form, save, initial=initial)
    if isinstance(result, dict):
        result.update(title=f"Modifier — {context.title}",
                      back=(request.resource_path(context), context.title))
    return result


@view_config(context=ResourceItem, name="supprimer", permission="delete",
             renderer="conseils_site:templates/news/delete.pt")
def resource_delete(context, request):
    request.response.cache_control = "no-store"
    if request.method == "POST":
        folder = context.__parent__
        folder.remove(context.__name__)
        request.session.flash(f"La ressource « {context.title} » est supprimée.")
        return HTTPSeeOther(request.resource_path(folder))
    return {"title": f"Supprimer — {context.title}", "item": context,
            "what": "cette ressource", "back": request.resource_path(context)}


"""Territory and council pages, and the open-data files of the directory."""
from pyramid.response import Response
from pyramid.view import view_config

from ..catalog.queries import councils_query, page_number, paginate
from ..directory import get_snapshot
from ..resources import Council, SiteRoot, Territories, Territory
from .cache import anonymous_page_cache
from .content import council_items_for
from .layout import add_feed


@view_config(context=Territories, renderer="conseils_site:templates/territories.pt",
             decorator=anonymous_page_cache)
def territories_view(context, request):
    snapshot = get_snapshot(request)
    regions = sorted(context.values(), key=lambda r: r.title)
    return {"title": "Les conseils par territoire", "regions": regions,
            "counts": snapshot.per_region}


@view_config(context=Territory, renderer="conseils_site:templates/territory.pt",
             decorator=anonymous_page_cache)
def territory_view(context, request):
    snapshot = get_snapshot(request)
    if context.is_region:
        departements = sorted(context.values(), key=lambda d: d.code)
        return {"title": context.title, "departements": departements,
                "counts": snapshot.per_departement, "page": None, "query_prefix": ""}
    catalog = request.root.catalog
    page = paginate(catalog, request, councils_query(catalog, departement=context.code),
                    "sort_commune", number=page_number(request))
    return {"title": f"{context.title} ({context.code})", "departements": None, "counts": None,
            "page": page, "query_prefix": ""}


@view_config(context=Council, renderer="conseils_site:templates/council.pt", permission="view",
             decorator=anonymous_page_cache)
def council_view(context, request):
    """The public fiche. The « Modifier la fiche » button depends on the visitor, which is safe:
    only anonymous pages are shared by the cache, and they never show it."""
    departement = context.__parent__
    add_feed(request, f"{context.title} — publications publiques", request.resource_url(context, "@@flux.atom"))
    image_url = None
    if context.image is not None:
        image_url = request.resource_path(context, "@@image", query={"v": context.image_version})
    return {"title": context.title, "council": context, "departement": departement,
            "region": departement.__parent__, "image_url": image_url,
            "can_edit": request.has_permission("edit", context),
            "edit_url": request.resource_path(context, "@@modifier"),
            "item_rows": council_items_for(request, context)}


def _open_data(request, fmt, content_type, body_of):
    snapshot = get_snapshot(request)
    response = Response(content_type=content_type, charset="utf-8")
    response.etag = snapshot.etag(fmt)
    response.cache_control = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.if_none_match and response.etag in request.if_none_match:
        response.status = 304
        del response.content_type
        return response
    response.vary = ("Accept-Encoding",)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        response.body = snapshot.compressed(fmt, body_of)
        response.content_encoding = "gzip"
    else:
        response.body = body_of(snapshot)
    response.conditional_response = True
    return response


@view_config(context=SiteRoot, name="conseils.geojson", decorator=anonymous_page_cache)
def geojson_view(request):
    return _open_data(request, "geojson", "application/geo+json",
                      lambda s: s.geojson())


@view_config(context=SiteRoot, name="conseils.csv", decorator=anonymous_page_cache)
def csv_view(request):
    response = _open_data(request, "csv", "text/csv", lambda s: s.csv())
    response.content_disposition = 'attachment; filename="conseils-citoyens.csv"'
    return response

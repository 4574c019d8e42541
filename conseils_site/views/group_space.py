"""A working group's page: public facts (scale, territory, member councils on a list and a map),
and for its members and the animators the group's space: what its councils shared at the
*groupes* level and above, their coming events and the group's forum.

One ACL decides who enters the space: the group forum's (resources/forum.py), read by the
`group:<id>` principal that a councillor holds while one of their councils is in the group."""
import datetime
import json

from pyramid.events import subscriber
from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response
from pyramid.view import view_config

from ..catalog.queries import (
    allowed_items,
    forum_topics_query,
    group_events_query,
    group_shared_query,
    page_number,
    paginate,
    to_the_minute,
)
from ..directory import get_snapshot
from ..resources.content import PARIS
from ..resources.events import ObjectAdded
from ..resources.forum import ensure_group_forum
from ..resources.groups import WorkingGroup
from .cache import anonymous_page_cache
from .content_display import rows
from .forum_display import topic_rows
from .groups import group_councils

SHARED_PAGE_SIZE = 20


@subscriber(ObjectAdded)
def give_new_groups_a_forum(event):
    """Every working group has its forum from the start."""
    if isinstance(event.object, WorkingGroup):
        ensure_group_forum(event.object)


def space_of(request, group):
    """The group's forum when this visitor may enter the group's space, else None."""
    forum = group.get("forum")
    return forum if forum is not None and request.has_permission("view", forum) else None


def map_focus(councils):
    """carte.js frames the markers of one département or one région; a group spread wider
    is shown on the map of France."""
    departements = {c.departement_code for c in councils}
    regions = {c.region_code for c in councils}
    if len(departements) == 1:
        return {"departement": departements.pop(), "region": ""}
    if len(regions) == 1:
        return {"departement": "", "region": regions.pop()}
    return {"departement": "", "region": ""}


@view_config(context=WorkingGroup, renderer="conseils_site:templates/groups/group.pt",
             decorator=anonymous_page_cache)
def group_page(context, request):
    councils = group_councils(request, context)
    result = {"title": context.title, "group": context, "councils": councils,
              "can_edit": request.has_permission("edit", context),
              "geojson_url": request.resource_path(context, "@@conseils.geojson"),
              "focus": map_focus(councils), "space": None}
    forum = space_of(request, context)
    if forum is not None:
        catalog = request.root.catalog
        ids = tuple(sorted(context.council_ids))  # also names the group's councils in memo keys
        minute = to_the_minute(datetime.datetime.now(PARIS))
        topics = allowed_items(catalog, request, forum_topics_query(catalog, forum.id),
                               "forum_order", limit=5, key=("topics", forum.id))
        result["space"] = {
            "shared": rows(request, allowed_items(catalog, request, group_shared_query(catalog, ids),
                                                  "newest", limit=10,
                                                  key=("group-shared", ids))),
            "events": rows(request, allowed_items(
                catalog, request, group_events_query(catalog, ids, minute), "start", limit=10,
                key=("group-events", ids, minute.timestamp()))),
            "topics": topic_rows(request, topics),
            "forum_url": request.resource_path(forum),
            "new_topic_url": request.resource_path(forum, "@@nouveau-sujet"),
            "shared_url": request.resource_path(context, "@@partages"),
        }
        request.response.cache_control = "no-store"
    return result


@view_config(context=WorkingGroup, name="partages", renderer="conseils_site:templates/groups/shared.pt")
def group_shared(context, request):
    """Every document and action report the group's councils shared with it, newest first."""
    if space_of(request, context) is None:
        raise HTTPForbidden()
    catalog = request.root.catalog
    ids = tuple(sorted(context.council_ids))
    page = paginate(catalog, request, group_shared_query(catalog, ids), "newest",
                    number=page_number(request), size=SHARED_PAGE_SIZE, key=("group-shared", ids))
    request.response.cache_control = "no-store"
    return {"title": f"Partages du groupe « {context.title} »", "group": context, "page": page,
            "item_rows": rows(request, page.items), "query_prefix": ""}


@view_config(context=WorkingGroup, name="conseils.geojson", decorator=anonymous_page_cache)
def group_geojson(context, request):
    """The group's councils as the open-data GeoJSON has them (public facts only)."""
    snapshot = get_snapshot(request)
    codes = {c.code for c in group_councils(request, context)}
    base = snapshot.base_url  # the public address, never the request's Host
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [e["longitude"], e["latitude"]]},
        "properties": {"code": e["code"], "nom": e["nom"], "commune": e["commune"],
                       "departement": e["departement"], "region": e["region"],
                       "url": base + e["path"]},
    } for e in snapshot.entries if e["code"] in codes]
    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    return Response(body=body, content_type="application/geo+json", charset=None)

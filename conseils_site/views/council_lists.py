"""A council's documents, actions and events, listed for the viewer: every list goes through the
catalog's permission-filtered helpers, so nobody sees an item they may not open."""
import datetime

from hypatia.query import Not
from pyramid.view import view_config

from .. import types
from ..catalog.queries import (
    Page,
    allowed_items,
    allowed_query,
    items_query,
    page_number,
    paginate,
    to_the_minute,
    upcoming_events_query,
)
from ..resources import Council
from ..resources.content import PARIS
from .cache import anonymous_page_cache
from .content_display import rows
from .layout import add_feed

PAGE_SIZE = 20


def listings():
    """{listing view name: declaration} of the kinds a council lists (types/declarations.py:
    the page's title, the text when empty, the create view and its label)."""
    return {declared.folder: declared for declared in types.all_types()
            if declared.council_item and declared.folder}


def now():
    return datetime.datetime.now(PARIS)


def council_items_for(request, council, limit=10):
    """The newest items of a council this visitor may see, as rows for the `item-list` macro
    (templates/content/macros.pt). For the public council page and the dashboard."""
    catalog = request.root.catalog
    query = items_query(catalog, council_id=council.id)
    return rows(request, allowed_items(catalog, request, query, "newest", limit=limit,
                                       key=("council", council.id, "all")))


def upcoming_events_for(request, council, limit=5):
    """The next events of a council this visitor may see, soonest first, as rows."""
    catalog = request.root.catalog
    minute = to_the_minute(now())
    query = upcoming_events_query(catalog, minute, council_id=council.id)
    return rows(request, allowed_items(catalog, request, query, "start", limit=limit,
                                       key=("council-events", council.id, minute.timestamp())))


def events_page(request, council, number, size=PAGE_SIZE):
    """Upcoming events (soonest first), then past ones (latest first), as one paged list.

    Returns the page and how many of its items are upcoming."""
    catalog = request.root.catalog
    upcoming = upcoming_events_query(catalog, now(), council_id=council.id)
    past = items_query(catalog, kinds=("event",), council_id=council.id) & Not(upcoming)
    upcoming_total = _count(catalog, request, upcoming)
    total = upcoming_total + _count(catalog, request, past)
    number = min(max(1, number), max(1, -(-total // size)))
    first, last = (number - 1) * size, number * size
    items = []
    if first < upcoming_total:
        items += allowed_items(catalog, request, upcoming, "start", limit=last)[first:last]
    if last > upcoming_total:
        skip, wanted = max(0, first - upcoming_total), last - upcoming_total
        items += allowed_items(catalog, request, past, "newest", limit=wanted)[skip:wanted]
    return Page(items, total, number, size), max(0, min(size, upcoming_total - first))


def _count(catalog, request, query):
    return len(allowed_query(catalog, request, query).execute(resolver=catalog.get))


def _listing(context, request, name):
    declared = listings()[name]
    kind, title = declared.kind, declared.plural
    catalog = request.root.catalog
    number = page_number(request)
    if declared.scheduled:  # upcoming first, soonest first; then past ones
        page, upcoming_on_page = events_page(request, context, number)
    else:
        query = items_query(catalog, kinds=(kind,), council_id=context.id)
        page, upcoming_on_page = paginate(catalog, request, query, "newest", number=number,
                                          size=PAGE_SIZE, key=("council", context.id, kind)), None
    item_rows = rows(request, page.items)
    add_feed(request, f"{context.title} — publications publiques", request.resource_url(context, "@@flux.atom"))
    return {
        "title": f"{title} — {context.title}", "heading": title, "council": context,
        "page": page, "query_prefix": "", "empty": declared.empty,
        "is_events": declared.scheduled,
        "item_rows": item_rows if upcoming_on_page is None else item_rows[:upcoming_on_page],
        "past_rows": item_rows[upcoming_on_page:] if upcoming_on_page is not None else [],
        "create_url": (request.resource_path(context, "@@" + declared.add_view)
                       if request.has_permission("create", context) else None),
        "create_label": declared.add_label,
    }


@view_config(context=Council, name="documents", permission="view", decorator=anonymous_page_cache,
             renderer="conseils_site:templates/content/list.pt")
def documents(context, request):
    return _listing(context, request, "documents")


@view_config(context=Council, name="actions", permission="view", decorator=anonymous_page_cache,
             renderer="conseils_site:templates/content/list.pt")
def actions(context, request):
    return _listing(context, request, "actions")


@view_config(context=Council, name="evenements", permission="view", decorator=anonymous_page_cache,
             renderer="conseils_site:templates/content/list.pt")
def events(context, request):
    return _listing(context, request, "evenements")


def dashboard_content(request, council):
    """What « Gérer mon conseil » shows of the council's content, with the buttons to publish."""
    def link(name):
        return request.resource_path(council, "@@" + name)

    return {
        "latest_rows": council_items_for(request, council, limit=10),
        "upcoming_rows": upcoming_events_for(request, council, limit=5),
        "create_links": [(link(declared.add_view), declared.add_label)
                         for declared in listings().values()],
        "list_links": [(link(name), declared.plural) for name, declared in listings().items()],
        "edit_fiche_url": link("modifier"),
        "can_edit_fiche": request.has_permission("edit", council),
    }

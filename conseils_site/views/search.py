"""« Rechercher » across the site: words, then facets by kind and département, counted on what
the visitor may see.

Every result and every count comes from `allowed_query` with the request's principals; the
facets intersect that allowed set with one index each, so counting costs set intersections."""
import functools
import re
from urllib.parse import urlencode

from BTrees import family64
from hypatia.query import Any
from hypatia.text.parsetree import ParseError
from pyramid.view import view_config

from .. import types
from ..catalog.memo import remember
from ..catalog.queries import (
    Page,
    allowed_docids,
    allowed_query,
    count_common,
    of_kinds,
    page_number,
    stored_set,
    text_docids,
    text_query,
)
from ..geography import get_geography
from ..resources import SiteRoot
from ..security.sanitize import html_to_text
from ..text import fold, words
from .cache import anonymous_page_cache
from .forum_display import DELETED_TEXT, HIDDEN_TEXT, MODERATED_DELETION_TEXT, message_url

IF = family64.IF
ORDERS = {"date": "Les plus récents d'abord", "pertinence": "Les plus pertinents d'abord"}
PAGE_SIZE = 20
EXCERPT_LENGTH = 220
MAX_QUERY = 200


def allowed_ids(catalog, request, query):
    """The docids (weighted by relevance when a text query is in) the visitor may see."""
    try:
        return allowed_query(catalog, request, query).execute().ids
    except ParseError:
        return IF.Set()


def count_by_kind(catalog, ids):
    return count_by_value(catalog.indexes["kind"], ids,
                          {kind: kind for kind in types.searchable_kinds()})


def count_by_departement(catalog, ids):
    counts = count_by_value(catalog.indexes["territories"], ids,
                            {code: f"departement:{code}" for code in get_geography().departements})
    return {code: n for code, n in counts.items() if n}


def count_by_value(index, ids, values):
    """How many of `ids` each value's stored set holds (the sets are read, never copied)."""
    sets = {name: stored_set(index, value) for name, value in values.items()}
    return {name: count_common(found, ids) if found is not None else 0
            for name, found in sets.items()}


def searchable(catalog, q):
    """The docids of the searchable kinds holding the words, unranked: the same for every
    visitor, so remembered under no principal (catalog/memo.py) and never modified."""
    return remember(catalog, (), ("searchable", q),
                    lambda: of_kinds(catalog, text_docids(catalog, q) or IF.Set(),
                                             types.searchable_kinds()))


def ordered_docids(catalog, ids, number, size, order):
    """One page of docids. By date: dated items newest first, then councils (undated) by name.
    By relevance: the text index's Okapi scores, already computed by the query."""
    end = number * size
    if order == "pertinence" and hasattr(ids, "items"):
        return list(catalog.indexes["text"].sort(ids, limit=end))[end - size:end]
    newest = catalog.indexes["newest"]
    undated = IF.intersection(ids, newest.not_indexed())
    dated = IF.difference(IF.Set(ids.keys()) if hasattr(ids, "items") else ids, undated)
    found = []
    if end - size < len(dated):
        found = list(newest.sort(dated, limit=min(end, len(dated))))[end - size:end]
    if end > len(dated) and len(undated):
        by_name = list(catalog.indexes["sort_title"].sort(undated, raise_unsortable=False))
        found += by_name[max(0, end - size - len(dated)):end - len(dated)]
    return found


@functools.lru_cache(maxsize=4096)
def _folded_char(char):
    """One character as the search folds it (the same length): texts reuse few characters."""
    return (fold(char) or " ")[0]


def excerpt(text, query, length=EXCERPT_LENGTH):
    """A short passage of the text, around the first word searched for when it is far in."""
    if len(text) <= length:
        return text
    folded = "".join(map(_folded_char, text))  # same length as the text
    start = 0
    for term in words(query):
        match = re.search(r"\b" + re.escape(term), folded)
        if match:
            start = max(0, match.start() - length // 3)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def body_text(obj):
    for attr in ("summary", "description", "text", "body"):
        text = html_to_text(getattr(obj, attr, "") or "")
        if text:
            return text
    return types.of(obj).fallback_text(obj)


def date_text(obj):
    return types.of(obj).search_when(obj)


def where_text(obj):
    return types.of(obj).where(obj)


def result_of(request, obj, q):
    if types.of(obj).forum_message:
        return forum_result(request, obj, q)
    return {"kind": types.label(obj.kind), "title": obj.title,
            "url": request.resource_path(obj), "where": where_text(obj), "when": date_text(obj),
            "excerpt": excerpt(body_text(obj), q)}


def forum_result(request, obj, q):
    """A topic or a reply: a reply is named by its topic and leads to its place in the thread;
    a message hidden by moderation or deleted shows no words (they are not indexed either)."""
    is_topic = obj.topic is obj
    title = obj.title if is_topic else f"Réponse dans « {obj.topic.title} »"
    if obj.hidden:
        text = HIDDEN_TEXT
    elif obj.deleted:
        text = MODERATED_DELETION_TEXT if obj.deleted_by else DELETED_TEXT
    else:
        text = excerpt(body_text(obj), q)
    url = request.resource_path(obj) if is_topic else message_url(request, obj)
    return {"kind": types.label(obj.kind), "title": title, "url": url,
            "where": where_text(obj), "when": date_text(obj), "excerpt": text}


def link(path, **params):
    """This page's address with other parameters; the page number starts again at 1."""
    kept = {k: v for k, v in params.items() if v}
    return path + ("?" + urlencode(kept) if kept else "")


def departement_links(path, q, kind, tri, codes):
    """`link(path, q=q, kind=kind, departement=code, tri=tri)` for each of a hundred codes,
    encoding the shared part once (codes and `tri` values are plain letters and digits)."""
    stem = link(path, q=q, kind=kind)
    tail = f"&tri={tri}" if tri else ""
    return [f"{stem}&departement={code}{tail}" for code in codes]


def find(catalog, request, q, matched, kind, departement, order, number):
    """The page's docids and both facets' counts, as an immutable answer (catalog/memo.py)."""
    base = Any(catalog.indexes["kind"], list(types.searchable_kinds())) & matched
    if order == "date":  # no relevance needed: the same matches, without scoring them all
        everything = allowed_docids(catalog, request, searchable(catalog, q))
    else:
        everything = allowed_ids(catalog, request, base)
    kind_set = catalog.indexes["kind"].applyEq(kind) if kind else None
    dep_set = (catalog.indexes["territories"].applyEq(f"departement:{departement}")
               if departement else None)
    # Each facet counts within the other facet's choice, so its numbers say what a click gives.
    by_kind = count_by_kind(catalog, IF.intersection(everything, dep_set) if dep_set else everything)
    by_dep = count_by_departement(
        catalog, IF.intersection(everything, kind_set) if kind_set else everything)
    # The text query (its Okapi scoring is the costly part) runs once: the facets' choices
    # narrow its result, keeping the relevance weights.
    ids = everything
    for chosen in (kind_set, dep_set):
        if chosen is not None:
            ids = (IF.weightedIntersection(ids, chosen)[1] if hasattr(ids, "items")
                   else IF.intersection(ids, chosen))
    total = len(ids)
    number = min(number, max(1, -(-total // PAGE_SIZE)))
    docids = ordered_docids(catalog, ids, number, PAGE_SIZE, order) if total else []
    return (total, number, tuple(docids), tuple(by_kind.items()), tuple(sorted(by_dep.items())))


@view_config(context=SiteRoot, name="recherche", renderer="conseils_site:templates/search.pt",
             decorator=anonymous_page_cache)
def search(context, request):
    q = " ".join(request.params.get("q", "").split())[:MAX_QUERY]
    kind = request.params.get("kind", "")
    kind = kind if kind in types.searchable_kinds() else ""
    geo = get_geography()
    departement = request.params.get("departement", "")
    departement = departement if departement in geo.departements else ""
    order = request.params.get("tri", "")
    order = order if order in ORDERS else "date"
    catalog = context.catalog
    result = {"title": f"Recherche « {q} »" if q else "Rechercher", "q": q, "kind": kind,
              "departement": departement, "order": order, "page": None, "results": [],
              "kind_facets": [], "departement_facets": [], "links": {},
              "signed_in": request.user is not None}
    matched = text_query(catalog, q) if q else None
    if matched is None:
        return result
    asked = page_number(request)
    total, number, docids, by_kind, by_dep = remember(
        catalog, request.principals, ("recherche", q, kind, departement, order, asked),
        lambda: find(catalog, request, q, matched, kind, departement, order, asked))
    items = [catalog.get(docid) for docid in docids]
    page = Page([result_of(request, obj, q) for obj in items if obj is not None], total, number,
                PAGE_SIZE)
    tri = "" if order == "date" else order
    path = request.path
    result.update(
        page=page, results=page.items,
        kind_facets=[(k, types.plural(k), n, link(path, q=q, kind=k, departement=departement,
                                                   tri=tri))
                     for k, n in by_kind if n],
        departement_facets=[(code, f"{geo.departements[code].name} ({code})", n, url)
                            for (code, n), url in zip(by_dep, departement_links(
                                path, q, kind, tri, [code for code, _ in by_dep]), strict=True)],
        links={
            "all_kinds": link(path, q=q, departement=departement, tri=tri),
            "all_departements": link(path, q=q, kind=kind, tri=tri),
            "orders": [(name, label, link(path, q=q, kind=kind, departement=departement,
                                          tri="" if name == "date" else name))
                       for name, label in ORDERS.items()],
            "previous": link(path, q=q, kind=kind, departement=departement, tri=tri,
                             page=number - 1 if number > 2 else None),
            "next": link(path, q=q, kind=kind, departement=departement, tri=tri,
                         page=number + 1),
        },
        kind_label=types.plural(kind) if kind else "",
        departement_label=(f"{geo.departements[departement].name} ({departement})"
                           if departement else ""),
    )
    return result

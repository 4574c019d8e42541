"""Permission-filtered queries: every listing, search, feed and export goes through `allowed_query`."""
from dataclasses import dataclass

from hypatia.query import Any, Contains, Eq

from ..text import words

_PARSER_KEYWORDS = {"and", "or", "not"}


class AllowedTo(Any):
    """`Any(allowed, principals)` that meets a short result principal by principal.

    A councillor's principals together allow most of the national database, so building their
    union for every query (hypatia's Any) cost more than the query itself; intersecting the
    query's result (a council's items, a topic's replies) with each principal's set and joining
    those is the same answer. Weighted (relevance-ranked) results keep the general path."""

    def intersect(self, left, names):
        if hasattr(left, "items") or not len(left):
            return super().intersect(left, names)
        family_set = self.family.IF
        postings = self.index._fwd_index
        parts = [family_set.intersection(left, postings[principal])
                 for principal in self._get_value(names) if principal in postings]
        return family_set.multiunion(parts) if parts else family_set.Set()


def allowed_query(catalog, request, query):
    """Restrict a query to what the request's principals may view: an index intersection."""
    return query & AllowedTo(catalog.indexes["allowed"], list(request.principals))


def text_query(catalog, text):
    """All the typed words must match; the last one may be unfinished ("saint eti")."""
    terms = [w for w in words(text) if w not in _PARSER_KEYWORDS]
    if not terms:
        return None
    terms[-1] += "*"
    return Contains(catalog.indexes["text"], " AND ".join(terms))


def text_docids(catalog, text):
    """The docids holding every typed word (the last may be unfinished), the same matches as
    `text_query` but unranked: a list ordered by date needs no Okapi score, and scoring every
    document that holds a common word is what made search slow at national size."""
    from BTrees import family64

    terms = [w for w in words(text) if w not in _PARSER_KEYWORDS]
    if not terms:
        return None
    index = catalog.indexes["text"]
    postings = index.index._wordinfo  # word id → {docid: weight}
    found = None
    for number, term in enumerate(terms):
        last = number == len(terms) - 1
        wids = index.lexicon.globToWordIds(term + "*") if last else index.lexicon.termToWordIds(term)
        matching = family64.IF.multiunion([postings[wid] for wid in wids if wid in postings])
        found = matching if found is None else family64.IF.intersection(found, matching)
        if not found:
            break
    return found


def allowed_docids(catalog, request, docids):
    """`docids` restricted to what the request's principals may view (as `allowed_query`)."""
    from BTrees import family64

    allowed = catalog.indexes["allowed"].applyAny(list(request.principals))
    return family64.IF.intersection(docids, allowed)


def councils_query(catalog, text=None, region=None, departement=None):
    query = Eq(catalog.indexes["kind"], "council")
    if text:
        matched = text_query(catalog, text)
        if matched is not None:
            query &= matched
    if departement:
        query &= Eq(catalog.indexes["territories"], f"departement:{departement}")
    elif region:
        query &= Eq(catalog.indexes["territories"], f"region:{region}")
    return query


@dataclass
class Page:
    items: list
    total: int
    number: int
    size: int

    @property
    def count(self):
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.count

    @property
    def first_index(self):
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self):
        return min(self.total, self.number * self.size)


def page_number(request):
    try:
        return max(1, int(request.params.get("page", 1)))
    except ValueError:
        return 1


# Below this many results, sorting them all beats hypatia's forward scan, which walks the sort
# index from its start until it has found `limit` of them: measured on the national bench
# database, a group page's three short lists took 1.7 s by forward scan.
SMALL_RESULT = 5_000


def sort_type_for(results):
    from hypatia.interfaces import TIMSORT

    return TIMSORT if len(results) <= SMALL_RESULT else None


def paginate(catalog, request, query, sort_index, number=1, size=20, reverse=False):
    """One page of the allowed results; sorting stops at the page's end instead of sorting all."""
    results = allowed_query(catalog, request, query).execute(resolver=catalog.get)
    total = len(results)
    count = max(1, -(-total // size))
    number = min(max(1, number), count)
    end = number * size
    ordered = results.sort(catalog.indexes[sort_index], reverse=reverse, limit=end,
                           sort_type=sort_type_for(results))
    docids = list(ordered.all(resolve=False))[end - size:end]
    return Page([catalog.get(docid) for docid in docids], total, number, size)


COUNCIL_KINDS = ("document", "action_report", "event")


def items_query(catalog, kinds=COUNCIL_KINDS, council_id=None, visibility=None, departement=None,
                region=None, text=None):
    """Council content (and news or resources when asked by kind); sort with 'newest'."""
    query = Any(catalog.indexes["kind"], list(kinds))
    if council_id:
        query &= Eq(catalog.indexes["councils"], council_id)
    if visibility:
        query &= Eq(catalog.indexes["visibility"], visibility)
    if departement:
        query &= Eq(catalog.indexes["territories"], f"departement:{departement}")
    elif region:
        query &= Eq(catalog.indexes["territories"], f"region:{region}")
    if text:
        matched = text_query(catalog, text)
        if matched is not None:
            query &= matched
    return query


def upcoming_events_query(catalog, after, council_id=None):
    """Events not yet over at `after` (an aware datetime); sort with 'start'."""
    from hypatia.query import Ge

    query = Eq(catalog.indexes["kind"], "event") & Ge(catalog.indexes["start"], after.timestamp() - 12 * 3600)
    if council_id:
        query &= Eq(catalog.indexes["councils"], council_id)
    return query


def allowed_items(catalog, request, query, sort_index="newest", limit=None):
    """The allowed objects of a query, sorted, up to `limit`: for short lists (dashboards, feeds)."""
    results = allowed_query(catalog, request, query).execute(resolver=catalog.get)
    return list(results.sort(catalog.indexes[sort_index], limit=limit,
                             sort_type=sort_type_for(results)))


# --- The forum and the working groups' spaces -----------------------------------------------

SHARED_LEVELS = ("groupes", "membres", "public")  # what a council shares with its groups


def forum_topics_query(catalog, section_id):
    """The topics of a rubrique or a group's forum; sort with 'forum_order' (pinned first,
    then the most recently active) or 'newest'."""
    return Eq(catalog.indexes["kind"], "forum_topic") & Eq(catalog.indexes["forum"],
                                                           f"section:{section_id}")


def forum_replies_query(catalog, topic_id):
    """The replies of a topic; sort with 'forum_order' (their numbers)."""
    return Eq(catalog.indexes["kind"], "forum_reply") & Eq(catalog.indexes["forum"],
                                                           f"topic:{topic_id}")


def group_shared_query(catalog, council_ids, kinds=("document", "action_report")):
    """What the councils of a working group shared at the *groupes* level and above."""
    return (Any(catalog.indexes["kind"], list(kinds))
            & Any(catalog.indexes["councils"], list(council_ids))
            & Any(catalog.indexes["visibility"], list(SHARED_LEVELS)))


def group_events_query(catalog, council_ids, after):
    """The coming events the councils of a working group shared with it; sort with 'start'."""
    return (upcoming_events_query(catalog, after)
            & Any(catalog.indexes["councils"], list(council_ids))
            & Any(catalog.indexes["visibility"], list(SHARED_LEVELS)))


def allowed_count(catalog, request, query):
    return len(allowed_query(catalog, request, query).execute(resolver=catalog.get))

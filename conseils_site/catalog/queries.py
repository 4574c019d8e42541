"""Permission-filtered queries: every listing, search, feed and export goes through `allowed_query`."""
from dataclasses import dataclass

from BTrees import family64
from hypatia.query import And, Any, Contains, Eq, Ge

from .. import types
from ..text import words
from .memo import remember

IF = family64.IF
_PARSER_KEYWORDS = {"and", "or", "not"}
# A set this many times shorter than another is met by looking its docids up in the other (see
# `meet`); BTrees' own intersection walks both.
LOOKUP_RATIO = 8


def stored_set(index, value):
    """The set a field or keyword index keeps for `value`, or None (shared: never modify it)."""
    return index._fwd_index.get(value)


class In(Any):
    """`Any` on a field or keyword index that reads the index's own sets instead of copying them.

    hypatia builds a fresh union of every matching set before intersecting, even for one value:
    at national size the documents' term copied 67,000 docids to keep a council's 130. Here a
    term met after a narrower one intersects that short result with each value's stored set
    and joins those few matches. Put the narrowest term first (a council, a topic): every later
    term then costs in proportion to it. Relevance-weighted results keep hypatia's path, which
    carries their scores."""

    def stored_sets(self, names):
        """The index's sets for the values asked (shared: never modify them)."""
        sets = (stored_set(self.index, value) for value in self._get_value(names))
        return [found for found in sets if found is not None]

    def _apply(self, names):
        sets = self.stored_sets(names)
        if len(sets) == 1:
            return sets[0]
        return self.family.IF.multiunion(sets) if sets else self.family.IF.Set()

    def intersect(self, left, names):
        if not len(left):
            return left  # nothing to meet: not even the union of the values' sets
        if hasattr(left, "items"):
            return super().intersect(left, names)
        family_set = self.family.IF
        parts, remaining = [], left
        # Largest sets first: most docids are settled by the first one or two.
        for stored in sorted(self.stored_sets(names), key=len, reverse=True):
            found = meet(family_set, remaining, stored)
            if len(found):
                parts.append(found)
                remaining = family_set.difference(remaining, found)
                if not len(remaining):
                    break
        if len(parts) == 1:
            return parts[0]
        return family_set.multiunion(parts) if parts else family_set.Set()


def meet(family_set, short, stored):
    """`short ∩ stored`. BTrees' intersection walks both sets; when `stored` is much longer (a
    council's 1,300 documents against the 90,000 items every councillor may view), looking each
    docid up is ten times faster."""
    if len(short) * LOOKUP_RATIO < len(stored):
        return family_set.Set(filter(stored.has_key, short))
    return family_set.intersection(short, stored)


def count_common(one, other):
    """`len(one ∩ other)` without building it, by `meet`'s cheaper path when one is much
    shorter; either may be a weighted result (membership, not weights, is counted)."""
    short, long = (one, other) if len(one) <= len(other) else (other, one)
    if len(short) * LOOKUP_RATIO < len(long):
        return sum(map(long.__contains__, short))
    return len(IF.intersection(short, long))


def of_kinds(catalog, docids, kinds):
    """`docids` of the given kinds, as the docids less the other kinds' and the kindless: each
    object has one kind, so when the kinds asked are most of the catalog (a search's), the few
    others (accounts, groups) are far cheaper to take away than the asked ones to meet."""
    index = catalog.indexes["kind"]
    others = [found for kind, found in index._fwd_index.items() if kind not in kinds]
    return IF.difference(docids, IF.multiunion([*others, index.not_indexed()]))


def Is(index, value):
    """`Eq` on a field or keyword index, without copying the index's set (see `In`)."""
    return In(index, [value])


class AllowedTo(In):
    """The visitor's principals on the `allowed` index: a councillor's principals together
    allow most of the national database, and their union was costlier than the query."""


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
    terms = [w for w in words(text) if w not in _PARSER_KEYWORDS]
    if not terms:
        return None
    index = catalog.indexes["text"]
    postings = index.index._wordinfo  # word id → {docid: weight}
    found = None
    for number, term in enumerate(terms):
        last = number == len(terms) - 1
        wids = index.lexicon.globToWordIds(term + "*") if last else index.lexicon.termToWordIds(term)
        matching = IF.multiunion([postings[wid] for wid in wids if wid in postings])
        found = matching if found is None else IF.intersection(found, matching)
        if not found:
            break
    return found


def allowed_docids(catalog, request, docids):
    """`docids` restricted to what the request's principals may view (as `allowed_query`)."""
    return AllowedTo(catalog.indexes["allowed"], list(request.principals)).intersect(docids, None)


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


def paginate(catalog, request, query, sort_index, number=1, size=20, reverse=False, key=None):
    """One page of the allowed results; sorting stops at the page's end instead of sorting all.
    With a `key` naming the query and everything it depends on, the page's docids are
    remembered until the catalog changes (catalog/memo.py)."""

    def compute():
        results = allowed_query(catalog, request, query).execute(resolver=catalog.get)
        total = len(results)
        shown = min(max(1, number), max(1, -(-total // size)))
        end = shown * size
        ordered = results.sort(catalog.indexes[sort_index], reverse=reverse, limit=end,
                               sort_type=sort_type_for(results))
        return total, shown, tuple(ordered.all(resolve=False))[end - size:end]

    total, shown, docids = remembered(
        catalog, request, key and ("page", key, sort_index, number, size, reverse), compute)
    return Page([catalog.get(docid) for docid in docids], total, shown, size)


def remembered(catalog, request, key, compute):
    """`compute()`, remembered for the request's principals when there is a `key`."""
    if key is None:
        return compute()
    return remember(catalog, request.principals, key, compute)


def items_query(catalog, kinds=None, council_id=None, visibility=None, departement=None,
                region=None, text=None):
    """Council content (and news or resources when asked by kind); sort with 'newest'.
    The narrowest term comes first (see `In`)."""
    kinds = types.council_kinds() if kinds is None else kinds
    ix = catalog.indexes
    terms = []
    if council_id:
        terms.append(Is(ix["councils"], council_id))
    if departement:
        terms.append(Is(ix["territories"], f"departement:{departement}"))
    elif region:
        terms.append(Is(ix["territories"], f"region:{region}"))
    terms.append(In(ix["kind"], list(kinds)))
    if visibility:
        terms.append(Is(ix["visibility"], visibility))
    if text:
        matched = text_query(catalog, text)
        if matched is not None:
            terms.append(matched)
    return And(*terms) if len(terms) > 1 else terms[0]


def to_the_minute(moment):
    """`moment` without its seconds, for event lists: the list for a given minute can then be
    remembered (catalog/memo.py) with the minute in its key."""
    return moment.replace(second=0, microsecond=0)


def upcoming_events_query(catalog, after, council_id=None):
    """Events not yet over at `after` (an aware datetime); sort with 'start'."""
    ix = catalog.indexes
    terms = [Is(ix["councils"], council_id)] if council_id else []
    terms += [Is(ix["kind"], "event"), Ge(ix["start"], after.timestamp() - 12 * 3600)]
    return And(*terms)


def allowed_items(catalog, request, query, sort_index="newest", limit=None, key=None):
    """The allowed objects of a query, sorted, up to `limit`: for short lists (dashboards, feeds).
    With a `key`, the docids are remembered as `paginate` does."""

    def compute():
        results = allowed_query(catalog, request, query).execute(resolver=catalog.get)
        ordered = results.sort(catalog.indexes[sort_index], limit=limit,
                               sort_type=sort_type_for(results))
        return tuple(ordered.all(resolve=False))

    docids = remembered(catalog, request, key and ("items", key, sort_index, limit), compute)
    return [obj for obj in map(catalog.get, docids) if obj is not None]


# --- The forum and the working groups' spaces -----------------------------------------------

SHARED_LEVELS = ("groupes", "membres", "public")  # what a council shares with its groups


def forum_topics_query(catalog, section_id):
    """The topics of a rubrique or a group's forum; sort with 'forum_order' (pinned first,
    then the most recently active) or 'newest'."""
    return Is(catalog.indexes["forum"], f"section:{section_id}") & Is(catalog.indexes["kind"],
                                                                      "forum_topic")


def forum_replies_query(catalog, topic_id):
    """The replies of a topic; sort with 'forum_order' (their numbers)."""
    return Is(catalog.indexes["forum"], f"topic:{topic_id}") & Is(catalog.indexes["kind"],
                                                                  "forum_reply")


def group_shared_query(catalog, council_ids, kinds=None):
    """What the councils of a working group shared at the *groupes* level and above (their
    publications unless `kinds` says otherwise)."""
    kinds = types.publication_kinds() if kinds is None else kinds
    return (In(catalog.indexes["councils"], list(council_ids))
            & In(catalog.indexes["kind"], list(kinds))
            & In(catalog.indexes["visibility"], list(SHARED_LEVELS)))


def group_events_query(catalog, council_ids, after):
    """The coming events the councils of a working group shared with it; sort with 'start'."""
    ix = catalog.indexes
    return (In(ix["councils"], list(council_ids)) & Is(ix["kind"], "event")
            & In(ix["visibility"], list(SHARED_LEVELS))
            & Ge(ix["start"], after.timestamp() - 12 * 3600))


def allowed_count(catalog, request, query):
    return len(allowed_query(catalog, request, query).execute(resolver=catalog.get))

"""Answers remembered per catalog state (catalog/memo.py) and the set algebra that reads the
indexes' own sets (catalog/queries.In): both must give exactly what computing afresh gives.

The memo is a security surface: an answer remembered for one visitor or one state of the
catalog must never reach another visitor or outlive a change of who may see what."""
import datetime
import random

import pytest
import transaction
import webtest
from BTrees import family64
from hypatia.query import Any, Eq
from pyramid.traversal import resource_path

from conseils_site.catalog import memo as catalog_memo
from conseils_site.catalog.queries import In, Is, count_common, meet
from conseils_site.resources import APP_KEY
from conseils_site.resources.events import ObjectModified, notify
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_search import VISITORS, client, populate, results, title_of

IF = family64.IF


@pytest.fixture()
def site():
    wsgi = make_app()
    return wsgi, populate(wsgi)


def memo_of(wsgi):
    with open_registry_root(wsgi.registry) as (root, tm):
        return catalog_memo.memo_for(root.catalog)


def set_level(wsgi, title, level):
    """Change an item's visibility as the edit form does (its ACL follows; it is reindexed)."""
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        item = next(obj for obj in council.values() if getattr(obj, "title", None) == title)
        item.visibility = level
        notify(ObjectModified(item), wsgi.registry)
        tm.commit()


SEARCH = "/recherche?q=jardin"


def listing_url(wsgi):
    with open_registry_root(wsgi.registry) as (root, tm):
        return resource_path(root.territoires.council_by_code("A")) + "/@@documents"


def titles(page):
    return set(results(page)) | {a.get_text(strip=True) for a in page.html.select("main a")}


def test_a_repeated_search_is_answered_from_the_memo(site):
    wsgi, _ = site
    member = client(wsgi, "membre_a")
    memo = memo_of(wsgi)
    first = member.get(SEARCH)
    hits = memo.hits
    again = member.get(SEARCH)
    assert memo.hits == hits + 1
    assert results(again) == results(first)


@pytest.mark.parametrize("surface", ["search", "listing"])
def test_a_change_of_visibility_reaches_every_visitor_at_once(site, surface):
    """Every kind of visitor fills the memo, then a document goes from public to « conseil »:
    at their next request only those allowed still find it, then it goes public again."""
    wsgi, _ = site
    url = SEARCH if surface == "search" else listing_url(wsgi)
    title = title_of("document", "public")
    browsers = {visitor: client(wsgi, visitor) for visitor in VISITORS}
    for browser in browsers.values():
        assert title in titles(browser.get(url))
        browser.get(url)  # the second time from the memo
    set_level(wsgi, title, "conseil")
    for visitor, browser in browsers.items():
        allowed = visitor in ("membre_a", "animateur")
        assert (title in titles(browser.get(url))) is allowed, visitor
    set_level(wsgi, title, "public")
    for visitor, browser in browsers.items():
        assert title in titles(browser.get(url)), visitor


def test_visitors_with_other_principals_never_share_an_answer(site):
    """Member of A first (sees the « conseil » document), then members of B and C and an
    anonymous visitor ask the same thing in the same catalog state."""
    wsgi, _ = site
    private = title_of("document", "conseil")
    url = SEARCH
    assert private in titles(client(wsgi, "membre_a").get(url))
    for visitor in ("membre_b", "membre_c", "non_valide"):
        assert private not in titles(client(wsgi, visitor).get(url)), visitor
    anonymous = webtest.TestApp(wsgi, extra_environ={"HTTP_COOKIE": "conseils_session=x"})
    assert private not in titles(anonymous.get(url))


def test_no_state_while_this_transaction_changed_the_catalog(site):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        catalog = root.catalog
        before = catalog.state()
        assert before is not None
        council = root.territoires.council_by_code("A")
        catalog.index(council)  # reindexed, not committed
        assert catalog.state() is None
        tm.abort()
        assert catalog.state() == before


def test_a_commit_elsewhere_gives_a_new_state(site):
    """Two connections of one database: a change committed by one is a new state for the other
    at its next transaction, so nothing remembered before it can be found again."""
    wsgi, _ = site
    db = wsgi.registry._zodb_databases[""]
    first_tm = transaction.TransactionManager(explicit=True)
    second_tm = transaction.TransactionManager(explicit=True)
    first, second = db.open(first_tm), db.open(second_tm)
    try:
        second_tm.begin()
        seen = second.root()[APP_KEY].catalog.state()
        second_tm.abort()
        first_tm.begin()
        root = first.root()[APP_KEY]
        root.catalog.index(root.territoires.council_by_code("B"))
        first_tm.commit()
        second_tm.begin()
        assert second.root()[APP_KEY].catalog.state() not in (None, seen)
        second_tm.abort()
    finally:
        first.close()
        second.close()


def test_two_databases_have_two_memos():
    one, two = make_app(), make_app()
    assert memo_of(one) is not memo_of(two)


def test_a_catalog_without_the_counter_remembers_nothing(site):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        del root.catalog.changes  # as before evolve step 0003
        assert root.catalog.state() is None
        calls = []
        for _ in range(2):
            catalog_memo.remember(root.catalog, ["system.Everyone"], ("test",),
                                  lambda: calls.append(1) or (1,))
        assert len(calls) == 2
        tm.abort()


# --- In / Is / meet: the same sets as hypatia's Any / Eq --------------------------------------

def test_meet_and_count_common_agree_with_the_intersection_on_both_paths():
    rng = random.Random(8)
    long = IF.TreeSet(rng.sample(range(10**6), 20_000))
    for size in (0, 1, 50, 2_000, 20_000):  # the look-up path and the merge path
        short = IF.Set(rng.sample(range(10**6), size) + list(long)[:size // 2])
        assert list(meet(IF, short, long)) == list(IF.intersection(short, long))
        expected = len(IF.intersection(short, long))
        weighted = IF.Bucket({docid: 1.5 for docid in short})  # a relevance-ranked result
        assert count_common(short, long) == count_common(long, short) == expected
        assert count_common(weighted, long) == count_common(long, weighted) == expected


def test_in_and_is_find_what_any_and_eq_find(site):
    wsgi, ids = site
    with open_registry_root(wsgi.registry) as (root, tm):
        ix = root.catalog.indexes
        council_a = ids["council_A"]
        pairs = [
            (Is(ix["kind"], "document"), Eq(ix["kind"], "document")),
            (Is(ix["councils"], council_a) & In(ix["kind"], ["document", "event", "nothing"]),
             Eq(ix["councils"], council_a) & Any(ix["kind"], ["document", "event", "nothing"])),
            (In(ix["kind"], ["event", "news"]) & Is(ix["councils"], council_a),
             Any(ix["kind"], ["event", "news"]) & Eq(ix["councils"], council_a)),
            (Is(ix["councils"], council_a) & In(ix["visibility"], ["public", "membres"])
             & In(ix["allowed"], ["system.Everyone", "role:conseiller"]),
             Eq(ix["councils"], council_a) & Any(ix["visibility"], ["public", "membres"])
             & Any(ix["allowed"], ["system.Everyone", "role:conseiller"])),
            (Is(ix["kind"], "nothing"), Eq(ix["kind"], "nothing")),
        ]
        for ours, hypatias in pairs:
            assert set(ours.execute().ids) == set(hypatias.execute().ids)
        assert len(Is(ix["councils"], council_a).execute()) > 0


def test_remembered_event_lists_follow_the_clock(site, monkeypatch):
    """The coming events are remembered for the minute they were asked in: without any write,
    an event that is over leaves the council's dashboard when the clock passes it."""
    from conseils_site.views import council_lists

    wsgi, _ = site
    member = client(wsgi, "membre_a")
    with open_registry_root(wsgi.registry) as (root, tm):
        dashboard = resource_path(root.territoires.council_by_code("A")) + "/@@tableau-de-bord"
    event = title_of("event", "public")

    def agenda():
        section = member.get(dashboard).html.find(id="agenda-titre").parent
        return {a.get_text(strip=True) for a in section.select("a")}

    assert event in agenda()
    assert event in agenda()  # remembered
    later = council_lists.now() + datetime.timedelta(days=60)
    monkeypatch.setattr(council_lists, "now", lambda: later)
    assert event not in agenda()



def test_the_memo_keeps_within_its_budget():
    """Sets of docids count by their length, so many searches for common words cannot fill the
    memory: the least recently used answers go first."""
    sets = [IF.Set(range(n * 10_000, n * 10_000 + 2_500)) for n in range(4)]
    page = (1, 2, (3, 4))
    memo = catalog_memo.Memo(budget=3 * catalog_memo.size(sets[0]) + catalog_memo.size(page))
    for n, found in enumerate(sets[:3]):
        memo.put(("set", n), found)
    memo.put(("page", 0), page)
    assert memo.used == memo.budget
    assert memo.get(("set", 0)) is sets[0]  # now the most recently used
    memo.put(("set", 3), sets[3])  # the least recently used goes: set 1
    assert memo.get(("set", 1)) is None
    assert memo.get(("page", 0)) == page
    assert memo.get(("set", 0)) is sets[0] and memo.get(("set", 3)) is sets[3]
    memo.put(("set", 3), sets[3])  # asked again: counted once
    assert memo.used == sum(catalog_memo.size(a) for a, _ in memo.entries.values()) <= memo.budget
    memo.put(("huge",), IF.Set(range(20_000)))  # over the whole budget: not kept
    assert memo.get(("huge",)) is None and memo.used <= memo.budget

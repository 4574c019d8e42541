"""Answers computed from the catalog, remembered until the catalog changes.

A signed-in page cannot come from the anonymous page cache (it names its reader and carries a
CSRF token), but most of its time goes to set algebra over the national indexes whose answer
only depends on the catalog's state, the request's principals and the page's parameters: a
council's listing, a forum topic's replies, a search's facets. `remember` keeps such answers
(docids and counts, never objects or HTML) in memory, keyed by:

- the catalog's state: the serial of `Catalog.changes`, a counter every indexing and
  unindexing bumps, so any change, in any process, makes every older answer unreachable;
- the database, so that two databases opened by one process never share answers;
- the whole set of principals, so two visitors share an answer only when the security policy
  cannot tell them apart;
- a key naming the question with every input it depends on.

Nothing is remembered while this transaction has changed the catalog itself (the state it sees
is not a committed one), nor for a catalog made before the counter existed."""
import threading
import weakref

from cachetools import LRUCache

# The memory the remembered answers of one database may take, estimated by `size`: many searches
# for common words (140,000 docids each) or thousands of distinct pages cannot grow the process
# beyond it; the least recently used answers go first.
BUDGET = 64 * 2**20

_memos = weakref.WeakKeyDictionary()  # ZODB DB → Memo
_memos_lock = threading.Lock()


def size(answer):
    """About how many bytes an answer holds (measured: a search's page and facets ~15 KB)."""
    if hasattr(answer, "keys"):  # BTrees' sets and buckets of 64-bit docids
        return 64 + 12 * len(answer)
    if isinstance(answer, tuple):
        return 64 + sum(map(size, answer))
    return 32


class Memo:
    """A least-recently-used map within a memory budget, shared by the threads of one process:
    cachetools' `LRUCache` weighs each answer by `size`; the lock is ours (the cache has none)."""

    def __init__(self, budget=BUDGET):
        self.budget = budget
        # key → (answer, its size)
        self.entries = LRUCache(maxsize=budget, getsizeof=lambda entry: entry[1])
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def used(self):
        """Bytes, as `size` estimates them."""
        return self.entries.currsize

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)  # a hit becomes the most recently used
            if entry is not None:
                self.hits += 1
                return entry[0]
            self.misses += 1
            return None

    def put(self, key, answer):
        cost = size(answer)
        if cost > self.budget:
            return  # would push out everything else
        with self.lock:
            self.entries[key] = (answer, cost)  # the least recently used make room

    def clear(self):
        with self.lock:
            self.entries.clear()


def memo_for(catalog):
    """The memo of the catalog's database, or None when answers cannot be shared."""
    jar = getattr(catalog, "_p_jar", None)
    if jar is None:
        return None
    db = jar.db()
    with _memos_lock:
        memo = _memos.get(db)
        if memo is None:
            memo = _memos[db] = Memo()
    return memo


def remember(catalog, principals, key, compute):
    """`compute()`, or the answer it gave for the same key, principals and catalog state.
    The answer is shared between threads: immutable (tuples, frozensets, numbers), or a set
    that no caller ever modifies (BTrees' set operations return new sets)."""
    state = catalog.state()
    memo = memo_for(catalog) if state is not None else None
    if memo is None:
        return compute()
    full_key = (state, frozenset(principals), key)
    answer = memo.get(full_key)
    if answer is None:
        answer = compute()
        memo.put(full_key, answer)
    return answer


def forget_all():
    """Drop every remembered answer of this process (to measure the first reader's cost)."""
    with _memos_lock:
        memos = list(_memos.values())
    for memo in memos:
        memo.clear()

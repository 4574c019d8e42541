"""Catalog work that would make every writer of one place collide, done just after the commit.

A reply moves its topic up the rubrique (the topic's `forum_order` and `newest` values). Done in
the reply's own transaction, thirty people answering one topic at once would all rewrite the
topic's entry in those indexes — the same keys — and all but one would conflict. So the reply's
transaction writes only new keys (the reply, its index entries), and right after it commits,
in the same thread and before the answer leaves, a short transaction of its own brings the
topic's entries up to date. Those short transactions are serialised within a process and
retried with a random pause when another process wrote the same entries; running one twice
changes nothing (`Catalog.reindex_some` writes only values that differ). Should one still fail,
the reply is kept all the same and the next reply or edit of the topic puts it in its place."""
import logging
import random
import threading
import time
import weakref

import transaction
from ZODB.POSException import ConflictError

from ..resources import APP_KEY

log = logging.getLogger(__name__)

ATTEMPTS = 10
_locks = weakref.WeakKeyDictionary()  # ZODB DB → lock: one catch-up at a time per process
_locks_lock = threading.Lock()


def _lock_for(db):
    with _locks_lock:
        lock = _locks.get(db)
        if lock is None:
            lock = _locks[db] = threading.Lock()
    return lock


def reindex_after_commit(obj, names):
    """Bring `obj`'s entries in the field indexes `names` up to date once the current
    transaction has committed (at once when `obj` has no database, as in unit tests)."""
    jar = getattr(obj, "_p_jar", None) or _jar_of_parents(obj)
    if jar is None:
        return False
    txn = jar.transaction_manager.get()
    try:
        pending = txn.data(_catch_up)
    except KeyError:
        pending = set()
        txn.set_data(_catch_up, pending)
    if (id(obj), tuple(names)) not in pending:  # once per object, however many replies
        pending.add((id(obj), tuple(names)))
        txn.addAfterCommitHook(_catch_up, args=(jar.db(), obj, tuple(names)))
    return True


def _jar_of_parents(obj):
    while obj is not None:
        jar = getattr(obj, "_p_jar", None)
        if jar is not None:
            return jar
        obj = getattr(obj, "__parent__", None)
    return None


def _catch_up(committed, db, obj, names):
    if not committed or obj._p_oid is None:
        return
    with _lock_for(db):
        for attempt in range(1, ATTEMPTS + 1):
            tm = transaction.TransactionManager(explicit=True)
            conn = db.open(transaction_manager=tm)
            try:
                tm.begin()
                fresh = conn.get(obj._p_oid)
                catalog = getattr(conn.root().get(APP_KEY), "catalog", None)
                if catalog is not None:
                    catalog.reindex_some(fresh, names)
                tm.commit()
                return
            except ConflictError:
                tm.abort()
                time.sleep(random.uniform(0, 0.01 * 2 ** attempt))  # nosec B311 (a pause)
            except Exception:
                tm.abort()
                log.exception("Mise à jour différée du catalogue impossible (%s)", names)
                return
            finally:
                conn.close()
        log.warning("Mise à jour différée du catalogue abandonnée après %d conflits (%s)",
                    ATTEMPTS, names)

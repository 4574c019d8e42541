"""Evolve steps: named, ordered changes to existing data, each applied once and recorded.

The database outlives the code. When a new version of the code needs the data it finds to be
changed — an attribute added to every user, values converted, objects moved, an index
recomputed with new rules — the change is written here as a *step*: a name that never changes,
a sentence saying what it does, and a function. `conseils-evolve INI` applies, in order, the
steps the database has not recorded yet, and records each in `root.evolve_steps_done` (a BTree
of step name → UTC date) once it has committed. A new database counts as up to date: the first
start (`resources.bootstrap.ensure_site`) records every step of the code that created it.

How this relates to `resources.bootstrap.upgrade_site`
------------------------------------------------------
`upgrade_site` runs at every start of every process. It only *adds what is missing* to the
site's shape — a top folder, the audit log, a catalog index — checks the data each time rather
than a record, and must stay cheap and idempotent: several processes (ZEO, RelStorage) run it
at once, and a start that does heavy work conflicts with its twin and delays serving.
An evolve step is everything else: work on existing objects, possibly long, that must happen
exactly once, run on purpose by an operator, committed in batches with progress. A step may
also be needed on a database that `upgrade_site` already shaped; `conseils-evolve` therefore
runs `upgrade_site` first (the same shape as a start would give), then the pending steps.
Rule of thumb: "the code cannot serve without X" → `upgrade_site`; "existing data must be
changed once" → a step here, appended at the end of STEPS (never reordered, never renamed).

Steps are idempotent (a step interrupted half-way is simply run again) and may call
`ctx.checkpoint()` to commit a batch; on a ConflictError the runner aborts and runs the whole
step again, so a step can run while the site serves (ZEO, RelStorage)."""
import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from ZODB.POSException import ConflictError

RECORD = "evolve_steps_done"
ATTEMPTS = 5


@dataclass(frozen=True)
class Step:
    name: str
    description: str  # French: printed by conseils-evolve
    run: Callable  # run(root, ctx)


class Context:
    """What a step gets besides the root: progress reporting and batch commits."""

    def __init__(self, tm, progress=None, batch_size=1000):
        self.tm, self.progress, self.batch_size = tm, progress, batch_size
        self.changed = 0  # what the step changed, for the summary

    def checkpoint(self, done=None, total=None, force=False):
        """Report progress; commit every `batch_size` calls (and when `force`)."""
        if done is not None and total is not None and self.progress:
            self.progress(done, total)
        if force or (done is not None and done % self.batch_size == 0):
            self.tm.commit()
            self.tm.begin()


# --- the steps, oldest first -----------------------------------------------------------------

def login_failures_folder(root, ctx):
    """The sign-in throttle (security/throttle.py) created its BTree lazily on the SiteRoot at
    the first sign-in; two processes doing that at once conflict on the root itself."""
    if getattr(root, "login_failures", None) is None:
        root.login_failures = OOBTree()
        ctx.changed += 1


def reindex_allowed(root, ctx):
    """Recompute, for every catalogued object, the principals allowed to view it: listings,
    search and feeds filter on this index, so it must follow the current visibility rules."""
    catalog = root.catalog
    index = catalog.indexes["allowed"]
    docids = list(catalog.objects.keys())
    for n, docid in enumerate(docids, 1):
        obj = catalog.objects.get(docid)
        if obj is not None:
            index.reindex_doc(docid, obj)
            catalog.changed()
            ctx.changed += 1
        ctx.checkpoint(n, len(docids))


def catalog_changes(root, ctx):
    """The counter that names the catalog's state, so that answers computed from it can be
    remembered until it changes (catalog/memo.py); without it nothing is remembered."""
    catalog = root.catalog
    if catalog.changes is None:
        catalog.changes = Length()
        ctx.changed += 1


def spread_text_index(root, ctx):
    """hypatia's lexicon numbered new words in sequence and kept a rare word's documents in a
    dict: two documents indexed at the same time collided there. The text index is rebuilt as
    `catalog.make_text_index` makes it now (random word ids, a BTree per word)."""
    from .catalog import spread_text_index as is_spread

    catalog = root.catalog
    if not is_spread(catalog.indexes["text"]):
        ctx.changed += catalog.renew_text_index(progress=ctx.progress)


def forum_reply_keys(root, ctx):
    """Replies were named by their number, taken from a counter on the topic that every reply
    rewrote; they are now keyed by their date and id (`resources.forum.reply_name`) and numbered
    by their rank, the same numbers as before. Their catalog order follows."""
    from .resources.forum import Section, reply_name

    catalog = root.catalog
    sections = list(root["forum"].values()) + [group["forum"] for group in root.groups.values()
                                                if "forum" in group]
    for section in sections:
        if not isinstance(section, Section):
            continue
        for topic in list(section.values()):
            old = sorted((int(name), reply) for name, reply in topic.data.items() if name.isdigit())
            stamp = 0
            for number, reply in old:
                stamp = max(int(reply.created.timestamp() * 1_000_000), stamp + 1)
                del topic.data[str(number)]
                reply._p_activate()
                reply.__dict__.pop("number", None)  # the rank says it now
                reply.__dict__.pop("__name__", None)
                reply.key = reply_name(stamp, reply.id)
                topic.data[reply.key] = reply
                catalog.reindex_some(reply, ("forum_order",))
                ctx.changed += 1
            if old:
                catalog.reindex_some(topic, ("forum_order", "newest"))


def renew_changed_indexes(root, ctx):
    """Indexes whose kind the code now makes differently (the date and title indexes' wide
    buckets, catalog/ordered.py) are rebuilt from the catalogued objects."""
    from .catalog import make_indexes

    catalog = root.catalog
    for name, index in make_indexes().items():
        if name in catalog.indexes and type(catalog.indexes[name]) is not type(index):
            catalog.renew_index(name, progress=ctx.progress)
            ctx.changed += 1


STEPS = (
    Step("0001-login-failures", "crée le registre des échecs de connexion s'il manque",
         login_failures_folder),
    Step("0002-reindex-allowed", "recalcule qui peut voir chaque objet dans le catalogue",
         reindex_allowed),
    Step("0003-catalog-changes", "ajoute au catalogue le compteur de ses changements",
         catalog_changes),
    Step("0004-spread-text-index", "refait l'index du texte pour que des écritures simultanées "
         "ne se gênent plus", spread_text_index),
    Step("0005-forum-reply-keys", "range les réponses du forum sous des clés datées (leurs "
         "numéros ne changent pas)", forum_reply_keys),
    Step("0006-wide-ordered-indexes", "refait les index de dates et de titres avec des pages "
         "plus larges, pour moins de conflits entre écritures", renew_changed_indexes),
)


# --- the record ------------------------------------------------------------------------------

def utcnow():
    return datetime.datetime.now(datetime.UTC)


def steps_done(root):
    """The record of applied steps (name → UTC date), created empty when missing."""
    record = getattr(root, RECORD, None)
    if record is None:
        record = OOBTree()
        setattr(root, RECORD, record)
    return record


def mark_all_done(root, steps=STEPS):
    """A new database is created in the current shape: every step counts as applied."""
    record = steps_done(root)
    now = utcnow()
    for step in steps:
        if step.name not in record:
            record[step.name] = now


def pending_steps(root, steps=STEPS):
    record = getattr(root, RECORD, None) or {}
    return [step for step in steps if step.name not in record]


def unknown_steps(root, steps=STEPS):
    """Steps recorded by a newer version of the code than this one."""
    known = {step.name for step in steps}
    return [name for name in (getattr(root, RECORD, None) or {}) if name not in known]


class EvolveError(Exception):
    """A step failed: the message says which; earlier steps stay applied and recorded."""


def evolve(root, tm, steps=STEPS, out=None, progress_factory=None, shape=None):
    """Apply the pending steps in order, each in its own transaction(s), recording each.

    `shape(root)` (by default `upgrade_site`) runs first. Returns (applied, already_done):
    lists of (step, seconds, changed) and of step names."""
    from .resources.bootstrap import upgrade_site

    say = (lambda text: print(text, file=out, flush=True)) if out else (lambda text: None)
    (shape or (lambda r: upgrade_site(r, out)))(root)
    tm.commit()
    tm.begin()
    already = [step.name for step in steps if step.name in steps_done(root)]
    todo = pending_steps(root, steps)
    applied = []
    for number, step in enumerate(todo, 1):
        say(f"Étape {number}/{len(todo)} : {step.name} — {step.description}")
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            ctx = Context(tm, progress_factory(step.name) if progress_factory else None)
            try:
                step.run(root, ctx)
                steps_done(root)[step.name] = utcnow()
                tm.commit()
                break
            except ConflictError:
                tm.abort()
                if attempt == ATTEMPTS:
                    raise EvolveError(f"{step.name} : conflits répétés avec d'autres écritures "
                                      f"({ATTEMPTS} essais) ; relancez plus tard") from None
                say(f"  conflit avec une autre écriture : l'étape reprend ({attempt + 1}/{ATTEMPTS})")
            except Exception as exc:
                tm.abort()
                raise EvolveError(f"{step.name} : {type(exc).__name__}: {exc}") from exc
            finally:
                tm.begin()
        seconds = time.monotonic() - started
        applied.append((step, seconds, ctx.changed))
        say(f"  fait en {seconds:.1f} s ({ctx.changed} changement(s))".replace(".", ",", 1))
    return applied, already

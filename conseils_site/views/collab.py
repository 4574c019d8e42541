"""The HTTP side of collaborative documents: the editor's sync round, the history, restoring.

One sync round (POST @@sync, JSON, about once a second per open editor): the browser sends what
the server lacks (a Yjs update computed against the server's last state vector, so an update lost
with the connection is simply sent again), its state vector and its awareness (cursor); the server
merges, stores, and answers with exactly what the browser lacks, its own state vector and the
other editors. Only people allowed to edit get any of it; a refused round commits nothing.

Every part is bounded (docs/security.md, « Collaborative documents: sync limits »): the update
(`collab.max_update_bytes`, 400), the awareness (`collab.max_awareness_bytes`, 413), the rounds
carrying an update per editor (`collab.updates_per_second`, 429 with Retry-After), and the answer
(`collab.max_answer_bytes`: a whole document always fits, the others' cursors are left out of
this round beyond it)."""
import datetime

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import exception_view_config, view_config

from ..collab import ANSWER_ROOM, encoded_size
from ..collab.history import compare_html, snapshot_due
from ..collab.state import ForeignClient, SyncError, decode, encode, missing, state_vector
from ..dates import format_datetime
from ..resources import Document
from ..resources.events import ObjectModified, notify
from .content_display import FORMER_MEMBER

MAX_CLIENT_ID = 2**53  # Yjs client ids are JavaScript integers


class SyncRefused(Exception):
    """Raised, not returned, so that pyramid_tm aborts the transaction."""

    def __init__(self, status, message, retry_after=None):
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


@exception_view_config(SyncRefused, renderer="json")
def sync_refused(exc, request):
    request.response.status = exc.status
    request.response.cache_control = "no-store"
    if exc.retry_after:
        request.response.headers["Retry-After"] = str(exc.retry_after)
    return {"error": exc.message}


def _collaborative(context):
    if context.mode != "collaboratif" or context.shared is None:
        raise HTTPNotFound()


def _now():
    return datetime.datetime.now(datetime.UTC)


def take_snapshot(request, document, now, note=""):
    """Close the current burst: a snapshot, and the document's search text brought up to date."""
    settings = request.registry.collab_settings
    snapshot = document.history.take(document.shared, now, note, settings.max_snapshots)
    document.modified = now
    notify(ObjectModified(document), request.registry)
    return snapshot


def _sync_request(request):
    try:
        payload = request.json_body
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise SyncRefused(400, "Requête illisible.")
    client = payload.get("client")
    if not isinstance(client, int) or isinstance(client, bool) or not 0 <= client < MAX_CLIENT_ID:
        raise SyncRefused(400, "Identifiant de client illisible.")
    try:
        sv = decode(payload.get("sv"), "Vecteur d'état")
        update = decode(payload.get("update"), "Modification")
        awareness = decode(payload.get("awareness"), "Présence")
    except SyncError as exc:
        raise SyncRefused(400, str(exc)) from None
    return client, sv, update, awareness, bool(payload.get("leave"))


@view_config(context=Document, name="sync", request_method="POST", renderer="json", permission="view")
def sync(context, request):
    _collaborative(context)
    if not request.has_permission("cowrite", context):
        raise SyncRefused(403, "Seuls les membres du conseil peuvent modifier ce document.")
    client, sv, update, awareness, leaving = _sync_request(request)
    settings = request.registry.collab_settings
    if len(update) > settings.max_update_bytes:
        raise SyncRefused(400, "Modification trop grande pour être envoyée en une fois.")
    if len(awareness) > settings.max_awareness_bytes:
        raise SyncRefused(413, "Présence trop volumineuse : elle n'a pas été prise en compte.")
    shared, now, user = context.shared, _now(), request.user
    if update:
        wait = request.registry.collab_rate.wait(user.id)
        if wait:
            raise SyncRefused(429, "Trop de modifications envoyées d'un coup : elles seront "
                                   "envoyées à nouveau dans un instant.", retry_after=wait)
    try:
        answer = missing(shared.state, sv)  # checks the state vector before anything changes
        if update:
            if snapshot_due(shared, now, settings.burst_seconds):
                take_snapshot(request, context, now)
            shared.receive(update, user.id, now, settings.max_bytes,
                           settings.checkpoint_updates, settings.checkpoint_seconds)
            answer = missing(shared.state, sv)
    except ForeignClient as exc:
        raise SyncRefused(403, str(exc)) from None
    except SyncError as exc:
        raise SyncRefused(400, str(exc)) from None
    room = settings.max_answer_bytes - ANSWER_ROOM - encoded_size(len(answer))
    if room < 0:  # only a document stored before collab.max_bytes was lowered
        raise SyncRefused(413, "Ce document est trop volumineux pour être ouvert dans l'éditeur.")
    presence, key = request.registry.collab_presence, context.id
    if leaving:
        if presence.leave(key, client, user.id) and shared.dirty:
            take_snapshot(request, context, now)  # the last editor left: close the burst
    else:
        presence.announce(key, client, user.id, user.title, awareness)
    updates, editors = presence.others(key, client)
    shown = {}
    for other, update_bytes in updates.items():  # the others' cursors, while the answer has room
        room -= encoded_size(len(update_bytes)) + 24
        if room < 0:
            break
        shown[other] = update_bytes
    request.response.cache_control = "no-store"
    return {
        "update": encode(answer),
        "sv": encode(state_vector(shared.state)),
        "awareness": [encode(a) for a in shown.values()],
        "clients": sorted(shown),
        "editors": editors,
        "size": shared.size,
        "max_size": settings.max_bytes,
    }


def editor_data(request, document):
    """What the item page needs to start the editor, or None for readers."""
    if getattr(document, "mode", None) != "collaboratif" or document.shared is None:
        return None
    if not request.has_permission("cowrite", document):
        return None
    return {
        "sync_url": request.resource_path(document, "@@sync"),
        "history_url": request.resource_path(document, "@@historique"),
        "csrf": request.session.get_csrf_token(),
    }


def _names(request, user_ids):
    users = request.root.users
    names = [users[u].title if u in users else FORMER_MEMBER for u in user_ids]
    return ", ".join(names) or "—"


def _snapshot_row(request, snapshot):
    return {
        "number": snapshot.number,
        "taken": format_datetime(snapshot.taken),
        "authors": _names(request, snapshot.authors),
        "added": snapshot.added,
        "removed": snapshot.removed,
        "note": snapshot.note,
    }


def _number(request, name):
    try:
        return int(request.params.get(name, ""))
    except ValueError:
        return None


@view_config(context=Document, name="historique", permission="cowrite",
             renderer="conseils_site:templates/collab/history.pt")
def history(context, request):
    _collaborative(context)
    now = _now()
    if snapshot_due(context.shared, now, request.registry.collab_settings.burst_seconds):
        take_snapshot(request, context, now)
    snapshots = context.history.newest_first()
    first, second = _number(request, "de"), _number(request, "a")
    comparison = shown = None
    if first is not None and second is not None:
        older, newer = context.history.get(min(first, second)), context.history.get(max(first, second))
        if older is None or newer is None:
            request.session.flash("Cette version n'existe plus : choisissez-en une autre.")
        else:
            comparison = {"older": older.number, "newer": newer.number,
                          "html": compare_html(older.html, newer.html)}
    version = _number(request, "version")
    if version is not None and context.history.get(version) is not None:
        shown = context.history.get(version)
    request.response.cache_control = "no-store"
    return {
        "title": f"Historique de « {context.title} »",
        "item": context,
        "council": context.__parent__,
        "rows": [_snapshot_row(request, s) for s in snapshots],
        "comparison": comparison,
        "shown": {"number": shown.number, "html": shown.html} if shown else None,
        "pending": context.shared.dirty,
        "default_old": snapshots[1].number if len(snapshots) > 1 else None,
        "default_new": snapshots[0].number if snapshots else None,
        "csrf": request.session.get_csrf_token(),
    }


@view_config(context=Document, name="restaurer", permission="cowrite", request_method="POST")
def restore(context, request):
    """A restore is one more change: editors connected receive it at their next sync."""
    _collaborative(context)
    snapshot = context.history.get(_number(request, "version") or -1)
    if snapshot is None:
        request.session.flash("Cette version n'existe plus : choisissez-en une autre.")
        return HTTPSeeOther(request.resource_path(context, "@@historique"))
    now = _now()
    if context.shared.dirty:
        take_snapshot(request, context, now)  # what was there before is kept in the history
    context.shared.restore(snapshot.state, request.user.id, now)
    take_snapshot(request, context, now, note=f"Version {snapshot.number} restaurée")
    request.session.flash(f"La version {snapshot.number} est restaurée. "
                          "L'ancienne version reste dans l'historique.")
    return HTTPSeeOther(request.resource_path(context))

"""A write that still met a conflict on its last attempt: the person gets their form back.

Conflicts are removed by design where they can be (catalog/lexicon.py, catalog/deferred.py,
resources/forum.py) and retried with a random pause (`jitter`); if a request still conflicts on
its last attempt (`retry.attempts`), nothing was saved and no 500 page is shown: a form of the
site is shown again, with everything typed in it and a French message saying to send it again
(`forms.render.process_form` honours `CONFLICT_REPLAY`); any other write gets a page that says nothing
was saved and shows the text fields that were sent, so nothing typed is lost."""
import contextlib
import logging
import random
import time

from pyramid.events import subscriber
from pyramid.renderers import render_to_response
from pyramid.traversal import traverse
from pyramid.view import exception_view_config, render_view_to_response
from pyramid_retry import IBeforeRetry
from transaction.interfaces import NoTransaction, TransientError

from ..forms.render import CONFLICT_REPLAY, CONFLICT_REPLAYED

log = logging.getLogger(__name__)

JITTER = 0.05  # seconds: the longest first pause, doubled at each further attempt


@subscriber(IBeforeRetry)
def jitter(event):
    """Pause a random moment before retrying, so the writers that collided do not meet again
    at once (pyramid_retry itself retries at once)."""
    environ = event.request.environ
    attempt = environ.get("retry.attempt", 0)
    # At INFO (production logs WARN): which object collided, to find the next hot spot.
    log.info("Conflit, essai %s/%s de %s %s : %s", attempt + 1, environ.get("retry.attempts"),
             event.request.method, event.request.path, event.exception)
    time.sleep(random.uniform(0, JITTER * 2 ** min(attempt, 5)))  # nosec B311 (a pause)


@exception_view_config(TransientError, last_retry_attempt=True)
def conflict_exhausted(exc, request):
    log.warning("Écriture abandonnée après %s essais (%s %s) : %s",
                request.environ.get("retry.attempts"), request.method, request.path_qs, exc)
    response = replay_form(request) if request.method == "POST" else None
    if response is None:
        response = render_to_response("conseils_site:templates/conflict.pt", {
            "title": "Enregistrement impossible pour l'instant",
            "fields": sent_text(request),
        }, request=request)
    response.status = 503
    response.headers["Retry-After"] = "5"
    response.cache_control = "no-store"
    return response


def replay_form(request):
    """The page of the form that was posted, with what was typed and its message, in a transaction
    that can only be aborted; None when the request was not a form of the site."""
    if not request.POST.get("__formid__"):
        return None
    tm = request.tm
    with contextlib.suppress(NoTransaction):
        tm.abort()  # the transaction whose commit failed, if still there
    tm.begin()
    try:
        tm.doom()
        # Traversed again: the first context belongs to the aborted transaction's connection.
        found = traverse(request.root, request.path_info)
        request.context = found["context"]
        request.environ[CONFLICT_REPLAY] = True
        response = render_view_to_response(found["context"], request, found["view_name"])
    except Exception:  # the page cannot be shown again: the generic page says what was sent
        log.exception("Formulaire non réaffiché après un conflit")
        response = None
    finally:
        tm.abort()
    return response if request.environ.get(CONFLICT_REPLAYED) else None


def sent_text(request):
    """The fields a person typed (never a password, a token or a file), to copy them back."""
    hidden = ("csrf_token", "_charset_", "__formid__", "__start__", "__end__")
    return [(name, value) for name, value in request.POST.items()
            if isinstance(value, str) and value.strip() and name not in hidden
            and "password" not in name and not name.startswith("submit")]

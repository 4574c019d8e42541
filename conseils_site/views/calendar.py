"""Calendars: a council's public events, one event, and each member's secret personal address."""
import hashlib

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from ..calendar import (
    ANONYMOUS,
    MAX_EVENTS,
    Viewer,
    calendar_body,
    calendar_filename,
    issue_calendar_token,
    user_for_calendar_token,
    window_start,
)
from ..catalog.queries import allowed_query, upcoming_events_query
from ..resources import Council, Event, SiteRoot
from ..security.principals import compute_principals
from ..security.visibility import is_public
from .cache import anonymous_page_cache
from .profile import to_login

CALENDAR_NAME = "agenda.ics"
MAX_AGE = 900  # seconds: calendar clients poll; a quarter of an hour is fresh enough


def events_for(catalog, viewer, council_id=None):
    """The events `viewer` may see, from a year ago onwards, soonest first."""
    query = upcoming_events_query(catalog, window_start(), council_id=council_id)
    results = allowed_query(catalog, viewer, query).execute(resolver=catalog.get)
    ordered = results.sort(catalog.indexes["start"], limit=MAX_EVENTS)
    return [catalog.get(docid) for docid in ordered.all(resolve=False)]


def ics_response(request, body, filename, public):
    response = Response(content_type="text/calendar", charset="utf-8")
    response.etag = hashlib.sha256(body).hexdigest()[:32]
    response.cache_control = f"{'public' if public else 'private'}, max-age={MAX_AGE}"
    response.content_disposition = f'attachment; filename="{filename}"'
    if request.if_none_match and response.etag in request.if_none_match:
        response.status = 304
        del response.content_type
        return response
    response.body = body
    return response


@view_config(context=Council, name=CALENDAR_NAME, permission="view",
             decorator=anonymous_page_cache)
def council_calendar(context, request):
    """The council's public events, the same for everyone: the address can be shared."""
    catalog = request.root.catalog
    events = events_for(catalog, ANONYMOUS, council_id=context.id)
    body = calendar_body(
        request, events, f"{context.title} — agenda public",
        f"Les événements publics du conseil citoyen de {context.commune_name} "
        f"({context.departement_code}).", subscription=True)
    return ics_response(request, body, calendar_filename(context.title), public=True)


@view_config(context=Event, name=CALENDAR_NAME, permission="view", decorator=anonymous_page_cache)
def event_calendar(context, request):
    """One event to import, for whoever may see it."""
    body = calendar_body(request, [context], context.title)
    return ics_response(request, body, calendar_filename(context.title),
                        public=is_public(context))


@view_config(context=SiteRoot, name="agenda", path_info=r"^/agenda/[^/]+\.ics$")
def personal_calendar(context, request):
    """Every event the address's owner may see across the site, as they would see it signed in.

    The address is the secret: renewed, or the account disabled, refused or deleted, it is
    not found."""
    token = request.subpath[0][:-len(".ics")] if request.subpath else ""
    user = user_for_calendar_token(context.users, token)
    if user is None:
        raise HTTPNotFound()
    catalog = context.catalog
    viewer = Viewer(compute_principals(user, catalog))
    body = calendar_body(
        request, events_for(catalog, viewer), "Mon agenda des conseils citoyens",
        "Les événements que vous pouvez voir sur la plate-forme des conseils citoyens.",
        subscription=True)
    response = ics_response(request, body, "mon-agenda-conseils-citoyens.ics", public=False)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@view_config(context=SiteRoot, name="mon-profil", path_info=r"^/mon-profil/agenda/?$",
             request_method="POST")
def renew_calendar_address(context, request):
    """« Renouveler l'adresse »: a new secret; the old address stops working at once."""
    user = request.user
    if user is None:
        return to_login(request)
    if not user.is_active:
        raise HTTPNotFound()
    had_one = user.calendar_token is not None
    issue_calendar_token(user)
    request.session.flash(
        "Votre agenda a une nouvelle adresse : l'ancienne ne fonctionne plus. Abonnez-vous à la "
        "nouvelle dans votre application d'agenda." if had_one else
        "Voici l'adresse de votre agenda : copiez-la dans votre application d'agenda.")
    return HTTPSeeOther(request.resource_url(context, "mon-profil", anchor="agenda"))

"""Atom feeds: the news, the resources, and each council's public content.

The same bytes for everyone (feed readers have no session): the entries are what an anonymous
visitor may see, so the anonymous page cache can share them too."""
from hypatia.query import Eq
from pyramid.response import Response
from pyramid.view import view_config

from ..addresses import resource_url
from ..catalog.queries import items_query
from ..feeds import CONTENT_TYPE, Feed, latest, tag_uri
from ..resources import Council, NewsFolder, ResourcesFolder
from .cache import anonymous_page_cache

FEED_NAME = "flux.atom"
MAX_AGE = 300  # seconds feed readers and proxies may keep a feed


def not_modified(request, etag, last_modified):
    """If-None-Match first, If-Modified-Since only without it (RFC 9110, 13.2.2)."""
    if request.if_none_match:
        return etag in request.if_none_match
    since = request.if_modified_since
    return since is not None and last_modified.replace(microsecond=0) <= since


def feed_response(request, feed):
    response = Response(content_type=CONTENT_TYPE, charset="utf-8")
    response.etag = feed.etag
    response.last_modified = feed.updated
    response.cache_control = f"public, max-age={MAX_AGE}"
    if not_modified(request, feed.etag, feed.updated):
        response.status = 304
        del response.content_type
        return response
    response.body = feed.to_bytes()
    return response


def _site_name(request):
    return request.registry.settings.get("conseils.site_name", "Conseils citoyens")


@view_config(context=NewsFolder, name=FEED_NAME, permission="view", decorator=anonymous_page_cache)
def news_feed(context, request):
    catalog = request.root.catalog
    items = latest(catalog, Eq(catalog.indexes["kind"], "news"))
    return feed_response(request, Feed(
        request, tag_uri(request, "flux/actualites"), f"Actualités — {_site_name(request)}",
        resource_url(request, context), items,
        subtitle="Les actualités des conseils citoyens, publiées par les animateurs de la "
                 "plate-forme."))


@view_config(context=ResourcesFolder, name=FEED_NAME, permission="view",
             decorator=anonymous_page_cache)
def resources_feed(context, request):
    catalog = request.root.catalog
    items = latest(catalog, Eq(catalog.indexes["kind"], "resource"))
    return feed_response(request, Feed(
        request, tag_uri(request, "flux/ressources"), f"Ressources — {_site_name(request)}",
        resource_url(request, context), items,
        subtitle="La boîte à outils des conseils citoyens : guides, fiches pratiques et "
                 "documents utiles."))


@view_config(context=Council, name=FEED_NAME, permission="view", decorator=anonymous_page_cache)
def council_feed(context, request):
    """Only the council's public content, whoever asks: a feed address can be shared."""
    catalog = request.root.catalog
    items = latest(catalog, items_query(catalog, council_id=context.id))
    return feed_response(request, Feed(
        request, tag_uri(request, f"flux/conseil/{context.id}"),
        f"{context.title} — publications publiques", resource_url(request, context), items,
        subtitle=f"Documents, comptes rendus d'action et événements publics du conseil citoyen "
                 f"de {context.commune_name} ({context.departement_code})."))

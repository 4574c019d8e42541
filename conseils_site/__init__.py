from pyramid.config import Configurator

from .views.cache import AnonymousCache


def main(global_config, **settings):
    """The WSGI application of the site."""
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("pyramid.default_locale_name", "fr")
    config = Configurator(settings=settings, root_factory="conseils_site.resources.root_factory")
    config.include("pyramid_chameleon")
    config.include("pyramid_retry")
    config.include("pyramid_tm")
    config.include("pyramid_zodbconn")
    config.include(".security")
    config.include(".forms")
    config.include(".notify.mail")
    config.include(".uploads")
    config.include(".catalog")
    config.include(".resources")
    config.include(".collab")
    config.include(".views")
    app = config.make_wsgi_app()
    return AnonymousCache(app, app.registry._zodb_databases[""])

import os
import warnings

# Pyramid 2.1 imports pkg_resources (setuptools<81 keeps it: docs/dependencies.md), which warns at
# every console script's start; `make run` filters it for pserve, which imports pyramid first.
warnings.filterwarnings("ignore", "pkg_resources is deprecated as an API", UserWarning)

from pyramid.config import Configurator  # noqa: E402

from .hosts import AllowedHosts  # noqa: E402
from .views.cache import MAX_BYTES, AnonymousCache  # noqa: E402

# Production's secrets and per-machine values come from the environment, never from a file in
# git: a variable that is set wins over the ini's value (docs/configuration.md).
ENVIRONMENT = {
    "CONSEILS_SESSION_SECRET": "conseils.session_secret",
    "CONSEILS_ADMIN_EMAIL": "conseils.admin_email",
    "CONSEILS_ADMIN_PASSWORD": "conseils.admin_password",
    "CONSEILS_SMTP_HOST": "mail.host",
    "CONSEILS_SMTP_USER": "mail.username",
    "CONSEILS_SMTP_PASSWORD": "mail.password",
    "CONSEILS_PUBLIC_URL": "conseils.public_url",
    "CONSEILS_SMS_URL": "sms.http.url",
    "CONSEILS_SMS_USER": "sms.http.username",
    "CONSEILS_SMS_PASSWORD": "sms.http.password",
    "CONSEILS_SMS_TOKEN": "sms.http.token",
}


def settings_from_environment(settings, environ=None):
    environ = os.environ if environ is None else environ
    for variable, name in ENVIRONMENT.items():
        if environ.get(variable):
            settings[name] = environ[variable]
    return settings


def main(global_config, **settings):
    """The WSGI application of the site."""
    settings_from_environment(settings)
    settings.setdefault("tm.manager_hook", "pyramid_tm.explicit_manager")
    settings.setdefault("pyramid.default_locale_name", "fr")
    config = Configurator(settings=settings, root_factory="conseils_site.resources.root_factory")
    config.include("pyramid_chameleon")
    config.include(".templating")
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
    # Outermost, the host check: a refused Host never reaches the page cache (views/cache.py).
    cache = AnonymousCache(app, app.registry._zodb_databases[""],
                           max_bytes=int(settings.get("conseils.page_cache_bytes", MAX_BYTES)))
    return AllowedHosts(cache, settings)

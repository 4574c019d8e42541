"""Views, one module per area; templates share one layout."""


def includeme(config):
    config.add_static_view("static", "conseils_site:static", cache_max_age=3600)
    config.scan(".")

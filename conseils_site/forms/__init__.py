"""Colander schemas, widgets and the validators they share."""


def includeme(config):
    from .render import configure_deform

    config.add_translation_dirs("colander:locale/", "deform:locale/")
    configure_deform()

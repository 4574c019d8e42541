"""The content-type registry: one declaration per kind (types/declarations.py), asked by the
catalog, notify/, the feeds and the views instead of comparing kinds with strings."""
from . import declarations  # noqa: F401 (registers the site's kinds)
from .registry import (  # noqa: F401
    ContentType,
    alert_kinds,
    all_types,
    council_kinds,
    forum_kinds,
    get,
    kinds,
    label,
    labels,
    of,
    plural,
    publication_kinds,
    register,
    searchable_kinds,
    unregister,
)

"""Reindexing is driven by object events, never by views."""
from pyramid.traversal import find_root

from ..resources.events import ObjectAdded, ObjectModified, ObjectWillBeRemoved
from ..resources.forum import Reply
from . import walk
from .deferred import reindex_after_commit

# What a reply changes of its topic in the catalog: its place in the rubrique and in search.
TOPIC_ACTIVITY = ("forum_order", "newest")


def _catalog(event):
    anchor = event.parent if event.parent is not None else event.object
    return getattr(find_root(anchor), "catalog", None)


def _indexable(obj):
    return getattr(obj, "kind", None) is not None


def on_added(event):
    catalog = _catalog(event)
    if catalog is not None:
        for obj in walk(event.object):
            if _indexable(obj):
                catalog.index(obj)
        _follow_activity(catalog, event.object)


def _follow_activity(catalog, obj):
    """A new reply moves its topic up: just after the commit (catalog.deferred), so that
    replies sent together do not all rewrite the topic's entries; at once when nobody else can
    be writing them (a topic made in this very transaction, or no database)."""
    topic = getattr(obj, "topic", None)
    if isinstance(obj, Reply) and topic is not None:
        if topic._p_jar is not None and reindex_after_commit(topic, TOPIC_ACTIVITY):
            return
        catalog.reindex_some(topic, TOPIC_ACTIVITY)


def on_modified(event):
    catalog = _catalog(event)
    if catalog is not None and _indexable(event.object):
        catalog.index(event.object)


def on_will_be_removed(event):
    catalog = _catalog(event)
    if catalog is not None:
        for obj in walk(event.object):
            catalog.unindex(obj)


def on_acl_modified(event):
    """Who may view changed here: the allowed index of this object and all below it follows."""
    catalog = _catalog(event)
    if catalog is not None:
        for obj in walk(event.object):
            if _indexable(obj):
                catalog.index(obj)


def includeme(config):
    from ..security.roles import ACLModified

    config.add_subscriber(on_acl_modified, ACLModified)
    config.add_subscriber(on_added, ObjectAdded)
    config.add_subscriber(on_modified, ObjectModified)
    config.add_subscriber(on_will_be_removed, ObjectWillBeRemoved)

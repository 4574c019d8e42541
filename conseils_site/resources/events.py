"""Object events: the catalog, the directory cache and (later) alerts follow the tree through them."""
from pyramid.threadlocal import get_current_registry


class ObjectEvent:
    def __init__(self, obj, parent=None):
        self.object = obj
        self.parent = parent if parent is not None else getattr(obj, "__parent__", None)


class ObjectAdded(ObjectEvent):
    """Fired after an object was placed in a folder."""


class ObjectModified(ObjectEvent):
    """Fired after an object's attributes changed."""


class ObjectWillBeRemoved(ObjectEvent):
    """Fired before an object leaves its folder, while it can still be found."""


def notify(event, registry=None):
    (registry or get_current_registry()).notify(event)

"""The persistent tree. Traversal starts at the SiteRoot kept under one key of the ZODB root."""
from pyramid.events import ApplicationCreated
from pyramid.traversal import find_root
from pyramid_zodbconn import get_connection

from .admin import Admin
from .content import (
    ActionReport,
    CouncilItem,
    Document,
    Event,
    NewsFolder,
    NewsItem,
    ResourceItem,
    ResourcesFolder,
)
from .events import ObjectAdded, ObjectModified, ObjectWillBeRemoved
from .files import Attachment
from .folder import Folder, new_id
from .groups import GroupRequest, WorkingGroup, WorkingGroups
from .root import SiteRoot, create_site
from .territory import Council, Territories, Territory
from .users import User, Users

APP_KEY = "conseils_site"

__all__ = [
    "APP_KEY", "ActionReport", "Admin", "Attachment", "CouncilItem", "Document", "Event",
    "NewsFolder", "NewsItem", "ResourceItem", "ResourcesFolder", "Council", "GroupRequest",
    "WorkingGroup", "WorkingGroups", "Folder", "SiteRoot", "Territories", "Territory", "User",
    "Users",
    "create_site", "new_id", "root_factory",
]


def root_factory(request):
    return get_connection(request).root()[APP_KEY]


def _bump_directory_version(event):
    """Open-data files and the map are cached on this number: any council change invalidates them."""
    obj = event.object
    if getattr(obj, "kind", None) == "council":
        root = find_root(event.parent if event.parent is not None else obj)
        if isinstance(root, SiteRoot):
            root.directory_version.change(1)


def _create_site_on_first_start(event):
    from .bootstrap import ensure_site

    ensure_site(event.app.registry)


def includeme(config):
    for event_type in (ObjectAdded, ObjectModified, ObjectWillBeRemoved):
        config.add_subscriber(_bump_directory_version, event_type)
    config.add_subscriber(_create_site_on_first_start, ApplicationCreated)

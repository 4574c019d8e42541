"""The site root and its first-start creation."""
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from pyramid.authorization import ALL_PERMISSIONS, Allow, Everyone

from .admin import Admin
from .content import NewsFolder, ResourcesFolder
from .folder import Folder
from .forum import create_forum
from .groups import WorkingGroups
from .territory import Territories, Territory
from .users import Users


class SiteRoot(Folder):
    title = "Conseils citoyens"

    def base_acl(self):
        return [(Allow, "role:animateur", ALL_PERMISSIONS), (Allow, Everyone, "view")]

    def __init__(self):
        super().__init__()
        # Bumped by every change of a council: the open-data files and the map are cached on it.
        # A Length resolves concurrent bumps instead of raising ConflictError.
        self.directory_version = Length()

    @property
    def territoires(self):
        return self["territoires"]

    @property
    def users(self):
        return self["utilisateurs"]

    @property
    def groups(self):
        return self["groupes"]


def create_site(geography):
    """A new, empty site: the territory tree of the geography, no councils, no users."""
    from ..catalog import Catalog
    from ..security.audit import AuditLog

    root = SiteRoot()
    root.catalog = Catalog()
    root.add("territoires", Territories(), send_events=False)
    root.add("utilisateurs", Users(), send_events=False)
    root.add("groupes", WorkingGroups(), send_events=False)
    root.add("admin", Admin(), send_events=False)
    root.add("actualites", NewsFolder(), send_events=False)
    root.add("ressources", ResourcesFolder(), send_events=False)
    root.add("forum", create_forum(), send_events=False)
    root.audit = AuditLog()
    # The sign-in throttle's records (security/throttle.py): made now, so that the first failed
    # sign-in does not rewrite the root, and the evolve step that adds it is truly done.
    root.login_failures = OOBTree()
    from ..notify.store import AlertCenter
    from .newsletter import Newsletters
    root.add("lettre", Newsletters(), send_events=False)
    root.alerts = AlertCenter()  # pending alerts, digests, reminders sent, SMS counts
    territories = root.territoires
    for region in sorted(geography.regions.values(), key=lambda r: r.name):
        territories.add_region(Territory("region", region.code, region.name))
    for dep in sorted(geography.departements.values(), key=lambda d: d.code):
        region = territories.region(dep.region_code)
        territories.add_departement(region, Territory("departement", dep.code, dep.name))
    return root

"""What every page's layout needs, given to templates as `site`."""
from pyramid.events import BeforeRender, subscriber

from ..geography import get_geography

MAIN_NAV = (
    ("carte", "Carte"),
    ("conseils", "Conseils"),
    ("actualites", "Actualités"),
    ("ressources", "Ressources"),
)


def add_feed(request, title, url):
    """Advertise an Atom feed in the page's head (<link rel="alternate">)."""
    feeds = request.environ.setdefault("conseils.feeds", [])
    feeds.append((title, url))


class SiteInfo:
    def __init__(self, request):
        self.request = request
        settings = request.registry.settings
        self.name = settings.get("conseils.site_name", "Conseils citoyens")
        self.tiles_url = settings.get("conseils.tiles_url", "")
        self.tiles_attribution = settings.get("conseils.tiles_attribution", "")

    @property
    def user(self):
        return getattr(self.request, "user", None)

    @property
    def is_animator(self):
        return "role:animateur" in self.request.principals

    def flash(self):
        from ..security import SESSION_COOKIE

        if SESSION_COOKIE not in self.request.cookies:
            return []
        return self.request.session.pop_flash()

    def feeds(self):
        return self.request.environ.get("conseils.feeds", [])

    def static(self, path):
        return self.request.static_path(f"conseils_site:static/{path}")

    def nav(self):
        current = self.request.path.strip("/").split("/")[0]
        return [(f"/{name}", label, name == current) for name, label in MAIN_NAV]

    def regions(self):
        return sorted(get_geography().regions.values(), key=lambda r: r.name)

    def departements(self):
        return sorted(get_geography().departements.values(), key=lambda d: d.code)


@subscriber(BeforeRender)
def add_site_info(event):
    request = event.get("request")
    if request is not None and "site" not in event:
        event["site"] = SiteInfo(request)

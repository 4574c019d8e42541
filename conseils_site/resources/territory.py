"""Régions, départements and the councils they hold."""
import datetime

from BTrees.OOBTree import OOBTree
from pyramid.authorization import Allow

from .folder import Folder, new_id


class Territories(Folder):
    """/territoires: the régions, named by slug."""

    title = "Territoires"

    def __init__(self):
        super().__init__()
        # Région and département codes overlap ("32" is Hauts-de-France and the Gers): two maps.
        self._regions = OOBTree()
        self._departements = OOBTree()
        self._councils = OOBTree()  # directory code of a council -> the council

    def council_by_code(self, code):
        return self._councils.get(code)

    def add_council(self, council):
        """Place a council in its département's folder; its code is unique nationwide."""
        if council.code in self._councils:
            raise KeyError(f"council {council.code} exists")
        departement = self.departement(council.departement_code)
        departement.add(departement.unique_name(council.title), council)
        self._councils[council.code] = council
        return council

    def move_council(self, council):
        """After a change of commune: follow it to its new département, content included."""
        target = self.departement(council.departement_code)
        if council.__parent__ is target:
            return council
        council.__parent__.remove(council.__name__)
        target.add(target.unique_name(council.title), council)
        return council

    def region(self, code):
        return self._regions.get(code)

    def departement(self, code):
        return self._departements.get(code)

    def add_region(self, region):
        self.add(self.unique_name(region.title), region)
        self._regions[region.code] = region
        return region

    def add_departement(self, region, departement):
        region.add(region.unique_name(departement.title), departement)
        self._departements[departement.code] = departement
        return departement


class Territory(Folder):
    """A région (holding départements) or a département (holding councils)."""

    def __init__(self, kind, code, title):
        super().__init__()
        if kind not in ("region", "departement"):
            raise ValueError(kind)
        self.id = new_id()
        self.kind = kind
        self.code = code
        self.title = title

    @property
    def is_region(self):
        return self.kind == "region"


class Council(Folder):
    """A conseil citoyen: its fiche, and (later) its members' content."""

    kind = "council"
    demo = False
    group_ids = ()
    description = ""
    email = ""
    phone = ""
    website = ""
    qpv_code = ""
    # ((network, url), ...) in SOCIAL_NETWORKS order; replaced whole, never changed in place.
    social_links = ()
    # The neighbourhood's picture: an Attachment held as an attribute, not a child, so it never
    # mixes with the council's content; served by the council's @@image view.
    image = None
    image_alt = ""
    image_size = None  # (width, height), so the page reserves its place before it loads
    image_version = ""  # changes with the image: its address changes, caches never serve an old one
    SOCIAL_NETWORKS = (
        ("facebook", "Facebook"),
        ("instagram", "Instagram"),
        ("x", "X (Twitter)"),
        ("youtube", "YouTube"),
        ("linkedin", "LinkedIn"),
        ("other", "Autre lien"),
    )

    def __init__(self, code, title, commune, latitude, longitude):
        super().__init__()
        self.id = new_id()
        self.code = code
        self.title = title
        self.set_commune(commune)
        self.latitude = latitude
        self.longitude = longitude
        self.created = self.modified = datetime.datetime.now(datetime.UTC)

    def set_commune(self, commune):
        """Copy what pages show of the commune, so a page needs no geography lookup."""
        from ..geography import get_geography

        geo = get_geography()
        self.commune_code = commune.code
        self.commune_name = commune.name
        self.postcodes = tuple(commune.postcodes)
        self.departement_code = commune.departement_code
        self.region_code = commune.region_code
        epci = geo.epcis.get(commune.epci_code) if commune.epci_code else None
        self.epci_code = epci.code if epci else ""
        self.epci_name = epci.name if epci else ""

    def base_acl(self):
        """Validated members of the council update its fiche, publish, and validate newcomers."""
        return [(Allow, f"council:{self.id}", ("edit", "create", "validate"))]

    @property
    def departement(self):
        return self.__parent__

    @property
    def fiche_is_empty(self):
        return not (self.description or self.email or self.phone or self.website
                    or self.social_links or self.image is not None)

    def social_link(self, network):
        return dict(self.social_links).get(network, "")

    def shown_social_links(self):
        """[(label, url)] for the public page, in a fixed order; the « other » link is named by
        its site (blog.exemple.fr), which tells a visitor more than « Autre lien »."""
        from urllib.parse import urlsplit

        links = dict(self.social_links)
        shown = []
        for network, label in self.SOCIAL_NETWORKS:
            url = links.get(network)
            if url and network == "other":
                host = urlsplit(url).hostname or ""
                label = host[4:] if host.startswith("www.") else host or label
            if url:
                shown.append((label, url))
        return shown

    @property
    def phone_href(self):
        """tel: address of the phone number: digits and a leading + only."""
        phone = self.phone or ""
        digits = "".join(c for c in phone if c.isdigit())
        return ("tel:+" if phone.strip().startswith("+") else "tel:") + digits if digits else ""

    def set_image(self, attachment, alt, size):
        attachment.__parent__, attachment.__name__ = self, "image"
        self.image, self.image_alt, self.image_size = attachment, alt, tuple(size)
        self.image_version = new_id()

    def remove_image(self):
        self.image, self.image_alt, self.image_size, self.image_version = None, "", None, ""

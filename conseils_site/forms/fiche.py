"""« Modifier la fiche »: the schema of a council's public presentation.

Checks that need another field (the point needs both coordinates, the image's description is
required only with an image) read the posted values at bind time, so every problem shows at once,
beside its field. An image is checked and cleaned as soon as it arrives, then kept in the upload
store under a hidden token: a form sent back for another mistake does not ask for it again."""
import html
import re
from urllib.parse import urlsplit

import colander
import deform
import phonenumbers
from chameleon import PageTemplate

from ..geography import in_france
from ..images import clean_image
from ..resources.files import MB, human_size
from ..resources.territory import Council
from ..security.sanitize import SIMPLE_TAGS, clean_html, text_to_html
from ..text import one_line
from ..uploads import UploadError, check_file, read_field
from .render import CSRFSchema
from .validators import FRENCH_COUNTRY_CODES, OVERSEAS_REGIONS

MAX_IMAGE_BYTES = 5 * MB
IMAGE_KINDS = {"jpeg", "png", "webp"}
DESCRIPTION_MAX = 10_000
URL_MAX = 500
PREVIEW_WIDTH = 280  # px: the current image in the form, within a 360 px screen's margins
SOCIAL_FIELDS = [(f"social_{network}", network, label) for network, label in Council.SOCIAL_NETWORKS]
# The addresses a named network's page lives at (a « Facebook » link must lead to Facebook).
NETWORK_HOSTS = {
    "facebook": ("facebook.com", "fb.com", "fb.me"),
    "instagram": ("instagram.com", "instagr.am"),
    "x": ("x.com", "twitter.com"),
    "youtube": ("youtube.com", "youtu.be"),
    "linkedin": ("linkedin.com", "lnkd.in"),
}

BAD_PHONE = ("Ce numéro de téléphone n'est pas valide : saisissez-le par exemple sous la forme "
             "04 77 12 34 56.")
FOREIGN_PHONE = "Indiquez un numéro de téléphone français (métropole ou outre-mer)."
BAD_URL = ("Cette adresse n'est pas valide : copiez-la depuis la barre d'adresse de votre "
           "navigateur (elle commence par https://).")
NOT_WEB_URL = "Seules les adresses de sites web, commençant par https:// ou http://, sont acceptées."
BAD_NUMBER = "Saisissez un nombre, par exemple {example} (avec une virgule ou un point)."
OUTSIDE_FRANCE = ("Ce point est en dehors de la France : vérifiez la latitude et la longitude "
                  "(elles s'écrivent par exemple 45,43 et 4,39).")
ALT_MISSING = ("Décrivez l'image en une phrase : c'est ce qu'entendront les personnes qui ne la "
               "voient pas.")
IMAGE_GONE = "L'image envoyée tout à l'heure n'est plus disponible : choisissez-la à nouveau."

_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_BLOCK = re.compile(r"</?(p|br|ul|ol|li)\b", re.I)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):(?!\d)")
_DECIMAL = re.compile(r"^[-+]?\d{1,3}(\.\d+)?$")
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,}$")


# --- the description ----------------------------------------------------------------------

def description_to_html(text):
    """Plain text becomes paragraphs; simple HTML is kept; both leave through the sanitiser."""
    text = (text or "").strip()
    if not _TAG.search(text):
        return clean_html(text_to_html(text), SIMPLE_TAGS)
    if not _BLOCK.search(text):  # bold or links, paragraphs typed as blank lines
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        text = "".join("<p>" + p.replace("\n", "<br>") + "</p>" for p in paragraphs)
    return clean_html(text, SIMPLE_TAGS)


def editable_description(value):
    """Stored HTML as the person typed it: paragraphs back to blank lines, so the form never
    shows <p> tags to someone who wrote plain text."""
    if not value:
        return ""
    if re.search(r"<(ul|ol|li)\b", value):
        return value
    text = re.sub(r"<br\s*/?>", "\n", value)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    text = re.sub(r"^<p>|</p>$", "", text.strip())
    return text if _TAG.search(text) else html.unescape(text)


# --- field types: typed as people write, stored in one form -------------------------------

class FrenchPhone(colander.String):
    """Any French or overseas number (landline too), stored with the usual spacing."""

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null or not value.strip():
            return colander.null
        try:
            return normalize_phone(value)
        except ValueError as exc:
            raise colander.Invalid(node, str(exc)) from None


def normalize_phone(text):
    text = " ".join(text.split())
    if len(text) > 40:
        raise ValueError(BAD_PHONE)
    number = None
    for region in ("FR",) + OVERSEAS_REGIONS:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            raise ValueError(BAD_PHONE) from None
        if phonenumbers.is_valid_number(parsed):
            number = parsed
            break
        if text.startswith(("+", "00")):
            break
    if number is None:
        raise ValueError(BAD_PHONE)
    if number.country_code not in FRENCH_COUNTRY_CODES:
        raise ValueError(FOREIGN_PHONE)
    international = text.startswith(("+", "00"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                                      if international else phonenumbers.PhoneNumberFormat.NATIONAL)


class WebAddress(colander.String):
    """An http(s) address; « www.exemple.fr » gets its https://; a named network's field only
    takes that network's addresses."""

    def __init__(self, network=None, label=""):
        super().__init__()
        self.network, self.label = network, label

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null or not value.strip():
            return colander.null
        try:
            return normalize_url(value, self.network, self.label)
        except ValueError as exc:
            raise colander.Invalid(node, str(exc)) from None


def normalize_url(text, network=None, label=""):
    text = text.strip()
    if len(text) > URL_MAX or any(c.isspace() or ord(c) < 32 or c == "\\" for c in text):
        raise ValueError(BAD_URL)
    scheme = _SCHEME.match(text)
    if scheme is None:
        text = "https://" + text.lstrip("/")
    elif scheme.group(1).lower() not in ("http", "https"):
        raise ValueError(NOT_WEB_URL)
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValueError(BAD_URL) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(NOT_WEB_URL)
    if parts.username or parts.password or not _HOST.match(host):
        raise ValueError(BAD_URL)
    hosts = NETWORK_HOSTS.get(network)
    if hosts and not any(host.lower() == h or host.lower().endswith("." + h) for h in hosts):
        raise ValueError(f"Cette adresse n'est pas une page {label} : elle devrait commencer "
                         f"par https://www.{hosts[0]}/")
    return text


def parse_coordinate(text):
    """45,43 or 45.43 (or −4,39 with a typographic minus) as a number; ValueError otherwise."""
    text = (text or "").strip().replace(" ", "").replace("\u2212", "-").replace(",", ".")
    if not _DECIMAL.match(text):
        raise ValueError(text)
    return float(text)


def format_coordinate(value):
    """45.43 → « 45,43 »: the decimal comma people in France write."""
    return f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")


class Coordinate(colander.SchemaType):
    """A latitude or longitude, typed with a decimal comma or point."""

    def __init__(self, low, high, example):
        self.low, self.high, self.example = low, high, example

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        return format_coordinate(appstruct) if isinstance(appstruct, float) else appstruct

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not str(cstruct).strip():
            return colander.null
        try:
            value = parse_coordinate(str(cstruct))
        except ValueError:
            raise colander.Invalid(node, BAD_NUMBER.format(example=self.example)) from None
        if not self.low <= value <= self.high:
            raise colander.Invalid(node, OUTSIDE_FRANCE)
        return round(value, 6)


# --- the image: checked when it arrives, kept under a token until the form is saved --------

_IMAGE_INPUT = PageTemplate("""\
<div class="image-upload">
  <figure class="current-image" tal:condition="current">
    <img src="${current['src']}" alt="${current['alt']}"
         tal:attributes="width current['width']; height current['height']"/>
    <figcaption class="meta">Image actuelle</figcaption>
  </figure>
  <input type="hidden" name="__start__" value="${name}:mapping"/>
  <p class="kept-file" id="kept-${oid}" tal:condition="kept">Image reçue :
    <strong>${kept['filename']}</strong> (${kept['size']}). Elle sera enregistrée avec la fiche ;
    choisissez un autre fichier seulement pour la remplacer.</p>
  <input type="hidden" name="token" value="${kept['token'] if kept else ''}"/>
  <input type="file" name="upload" id="${oid}" accept="image/jpeg,image/png,image/webp"
         tal:attributes="aria-invalid 'true' if error else None;
                         aria-describedby described or None"/>
  <input type="hidden" name="__end__" value="${name}:mapping"/>
</div>""")


def upload_owner(request):
    """Kept files belong to the person who sent them (or, signed out, to the session)."""
    user = request.user
    return f"user:{user.id}" if user is not None else request.session.get_csrf_token()


class KeptImage(colander.SchemaType):
    """{'token', 'filename', 'size'} of a cleaned image waiting in the upload store, or None."""

    def serialize(self, node, appstruct):
        return appstruct if appstruct else colander.null

    def deserialize(self, node, cstruct):
        return cstruct if cstruct else colander.null


class ImageUploadWidget(deform.widget.Widget):
    """A file input, plus the hidden token of an image already received."""

    def serialize(self, field, cstruct, **kw):
        request = field.schema.bindings["request"]
        council = request.context
        current = None
        if getattr(council, "image", None) is not None:
            width, height = council.image_size or (PREVIEW_WIDTH, PREVIEW_WIDTH * 2 // 3)
            shown = min(width, PREVIEW_WIDTH)  # a thumbnail that fits a phone, drawn at once
            current = {"src": request.resource_path(council, "@@image",
                                                    query={"v": council.image_version}),
                       "alt": council.image_alt, "width": shown,
                       "height": max(1, height * shown // max(width, 1))}
        kept = dict(cstruct) if cstruct else None
        if kept:
            kept["size"] = human_size(int(kept.get("size") or 0))
        oid = field.oid
        described = " ".join(filter(None, [
            f"help-{oid}" if field.description else None, f"error-{oid}" if field.error else None,
            f"kept-{oid}" if kept else None]))
        return _IMAGE_INPUT(name=field.name, oid=oid, current=current, kept=kept,
                            error=field.error, described=described)

    def deserialize(self, field, pstruct):
        if not isinstance(pstruct, dict):
            return colander.null
        request = field.schema.bindings["request"]
        store, owner = request.uploads, upload_owner(request)
        token = pstruct.get("token") if isinstance(pstruct.get("token"), str) else ""
        kept = store.describe(token, owner) if token else None
        try:
            posted = read_field(pstruct.get("upload"), MAX_IMAGE_BYTES)
        except UploadError as exc:
            raise colander.Invalid(field.schema, str(exc), value=colander.null) from None
        if posted is not None:
            if kept is not None:
                store.forget(token, owner)  # replaced by the new file, or refused with it
            filename, data = posted
            try:
                check_file(filename, data, IMAGE_KINDS, MAX_IMAGE_BYTES)
                cleaned, _kind = clean_image(data)
                token = store.keep(filename, cleaned, owner)
            except UploadError as exc:
                raise colander.Invalid(field.schema, str(exc), value=colander.null) from None
            return {"token": token, "filename": filename, "size": len(cleaned)}
        if token and kept is None:
            raise colander.Invalid(field.schema, IMAGE_GONE, value=colander.null)
        if kept is not None:
            return {"token": token, "filename": kept["filename"], "size": kept["size"]}
        return colander.null


# --- checks that read the other posted fields ---------------------------------------------

def _image_coming(request):
    """True when the form sends an image, or keeps the current one."""
    upload = request.POST.get("upload")
    if getattr(upload, "filename", None) or request.POST.get("token"):
        return True
    return getattr(request.context, "image", None) is not None and not request.POST.get("remove_image")


@colander.deferred
def deferred_alt_missing(node, kw):
    request = kw["request"]
    return colander.required if request.method == "POST" and _image_coming(request) else ""


@colander.deferred
def deferred_latitude_validator(node, kw):
    request = kw["request"]

    def in_france_validator(node, value):
        try:
            longitude = parse_coordinate(request.POST.get("longitude", ""))
        except ValueError:
            return  # the longitude's own message says what is wrong
        if not in_france(value, longitude):
            raise colander.Invalid(node, OUTSIDE_FRANCE)
    return in_france_validator


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _input(**attributes):
    return deform.widget.TextInputWidget(attributes=attributes)


def _url_node(title, network=None, label="", description=None):
    return colander.SchemaNode(
        WebAddress(network, label), title=title, missing="", description=description,
        widget=_input(inputmode="url", spellcheck="false", autocapitalize="none",
                      autocomplete="url"))


class FicheSchema(CSRFSchema):
    """« Modifier la fiche ». Bind with the request; its context is the council."""

    description = colander.SchemaNode(
        colander.String(), title="Présentation du conseil", missing="",
        description="Qui vous êtes, ce que vous faites, quand vous vous réunissez. Laissez une "
                    "ligne vide entre deux paragraphes. Les balises HTML simples (<strong>, <em>, "
                    "<a href>, listes) sont acceptées.",
        widget=deform.widget.TextAreaWidget(rows=8),
        validator=colander.Length(max=DESCRIPTION_MAX, max_err="10 000 caractères au plus."))
    email = colander.SchemaNode(
        colander.String(), title="Adresse électronique du conseil", missing="", preparer=_strip,
        widget=_input(type="email", inputmode="email", spellcheck="false", autocapitalize="none",
                      autocomplete="email"),
        validator=colander.All(
            colander.Email(msg="Cette adresse électronique n'est pas valide : vérifiez-la (elle "
                               "ressemble à contact@exemple.fr)."),
            colander.Length(max=254, max_err="Cette adresse est trop longue.")))
    phone = colander.SchemaNode(
        FrenchPhone(), title="Téléphone", missing="",
        widget=_input(type="tel", inputmode="tel", autocomplete="tel"))
    website = _url_node("Site internet", description="Par exemple https://www.exemple.fr")
    social_facebook = _url_node("Page Facebook", "facebook", "Facebook")
    social_instagram = _url_node("Compte Instagram", "instagram", "Instagram")
    social_x = _url_node("Compte X (Twitter)", "x", "X (Twitter)")
    social_youtube = _url_node("Chaîne YouTube", "youtube", "YouTube")
    social_linkedin = _url_node("Page LinkedIn", "linkedin", "LinkedIn")
    social_other = _url_node("Autre lien (blog, autre réseau…)")
    image = colander.SchemaNode(
        KeptImage(), title="Image du quartier", missing=None, widget=ImageUploadWidget(),
        description="Une photo JPEG, PNG ou WebP de 5 Mo au plus. Elle est mise à la taille de "
                    "la page, et ses informations cachées (lieu de la prise de vue, appareil) "
                    "sont retirées.")
    image_alt = colander.SchemaNode(
        colander.String(), title="Description de l'image", preparer=one_line,
        missing=deferred_alt_missing, missing_msg=ALT_MISSING,
        description="Ce que montre l'image, en une phrase (par exemple : « La place du marché un "
                    "samedi matin »). Obligatoire avec une image.",
        validator=colander.Length(max=250, max_err="250 caractères au plus."))
    remove_image = colander.SchemaNode(
        colander.Boolean(), title="Supprimer l'image", missing=False,
        widget=deform.widget.CheckboxWidget())
    latitude = colander.SchemaNode(
        Coordinate(-90, 90, "45,43"), title="Latitude",
        missing_msg="Indiquez la latitude du point.", validator=deferred_latitude_validator,
        description="Le point du conseil sur la carte, en degrés : par exemple 45,43 pour la "
                    "latitude et 4,39 pour la longitude.",
        widget=_input(inputmode="decimal", autocomplete="off"))
    longitude = colander.SchemaNode(
        Coordinate(-180, 180, "4,39"), title="Longitude",
        missing_msg="Indiquez la longitude du point.",
        widget=_input(inputmode="decimal", autocomplete="off"))

    def after_bind(self, node, kw):
        """« Supprimer l'image » only when there is one; ids that scripts and tests can name."""
        if getattr(kw["request"].context, "image", None) is None and node.get("remove_image"):
            del node["remove_image"]
        for child in node.children:
            child.oid = f"fiche-{child.name.replace('_', '-')}"


def fiche_appstruct(council):
    """What the form shows before any change."""
    values = {
        "description": editable_description(council.description), "email": council.email,
        "phone": council.phone, "website": council.website, "image": None,
        "image_alt": council.image_alt, "remove_image": False,
        "latitude": float(council.latitude), "longitude": float(council.longitude),
    }
    for field, network, _label in SOCIAL_FIELDS:
        values[field] = council.social_link(network)
    return values

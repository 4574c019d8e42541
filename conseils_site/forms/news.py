"""Schemas of the animators' news items and toolbox resources, and their file field.

A file chosen in a form that fails validation is kept in the upload store (`uploads.py`), and
the re-rendered form lists it as already received: nobody has to choose it again. A file that
is refused (too large, wrong type, unreadable image) gets its message beside the field while
every other typed value stays."""
import re

import colander
import deform

from ..images import clean_image
from ..resources.files import DOCUMENT_KINDS, MB, TYPES, human_size
from ..security.sanitize import RICH_TAGS, clean_html, text_to_html
from ..text import one_line
from ..uploads import UploadError, check_file, read_field, too_many_files
from .render import CSRFSchema

TEMPLATES = "conseils_site:templates/news/"
RESOURCE_MAX_BYTES = 20 * MB
IMAGE_MAX_BYTES = 10 * MB
NEWS_IMAGE_KINDS = ("jpeg", "png", "webp")  # what images.clean_image re-encodes
MAX_TAGS = 12
TAG_MAX = 40

CATEGORIES = {
    "guides": "Guides et méthodes",
    "textes": "Textes de référence",
    "formations": "Formations",
    "animation": "Outils d'animation",
    "reportages": "Reportages et témoignages",
    "autres": "Autres ressources",
}

TEXT_HELP = ("Écrivez simplement : une ligne vide sépare deux paragraphes. Le HTML simple est "
             "accepté (gras, italique, listes, liens, intertitres) ; le reste est retiré.")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_HAS_TAG = re.compile(r"<[a-zA-Z/!]")


def to_safe_html(value, tags=RICH_TAGS):
    """Plain text becomes escaped paragraphs; HTML keeps only harmless formatting."""
    value = (value or "").strip()
    if not _HAS_TAG.search(value):
        value = text_to_html(value)
    return clean_html(value, tags=tags)


def parse_tags(value):
    """'logement, Jeunesse ,logement' -> ('logement', 'Jeunesse'): trimmed, no duplicates."""
    seen, tags = set(), []
    for tag in (value or "").split(","):
        tag = " ".join(tag.split())
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tuple(tags)


def _tags_validator(node, value):
    tags = parse_tags(value)
    if len(tags) > MAX_TAGS:
        raise colander.Invalid(node, f"{MAX_TAGS} mots-clés au plus.")
    if any(len(t) > TAG_MAX for t in tags):
        raise colander.Invalid(node, f"Chaque mot-clé fait {TAG_MAX} caractères au plus.")


def _url_validator(node, value):
    if value and (not _URL.match(value) or len(value) > 2000):
        raise colander.Invalid(node, "Cette adresse n'est pas valide : elle commence par "
                                     "https:// (ou http://), par exemple https://www.exemple.fr/guide.")


class FrenchDate(colander.Date):
    """Browsers send 2025-12-31; a person typing (no date picker) writes 31/12/2025: both go."""

    err_template = "Cette date n'est pas valide : écrivez-la sous la forme 31/12/2025."
    _typed = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")

    def deserialize(self, node, cstruct):
        typed = self._typed.match(cstruct) if isinstance(cstruct, str) else None
        if typed:
            day, month, year = typed.groups()
            cstruct = f"{year}-{int(month):02d}-{int(day):02d}"
        return super().deserialize(node, cstruct)


def upload_owner(request):
    """Files waiting in the store belong to the person who sent them."""
    user = getattr(request, "user", None)
    return f"user:{user.id}" if user is not None else None


class Uploads(colander.SchemaType):
    """The value of a file field: names of the item's current files to keep, and tokens of
    files received (and already checked) that the upload store keeps until the form is saved."""

    def serialize(self, node, appstruct):
        if appstruct is colander.null or not appstruct:
            return {"existing": [], "tokens": []}
        return {"existing": list(appstruct.get("existing", ())),
                "tokens": list(appstruct.get("tokens", ()))}

    def deserialize(self, node, cstruct):
        if cstruct is colander.null or not isinstance(cstruct, dict):
            return {"existing": [], "tokens": []}
        return {"existing": [str(v) for v in cstruct.get("existing", ())],
                "tokens": [str(v) for v in cstruct.get("tokens", ())]}


class UploadWidget(deform.widget.Widget):
    """A file input that lists the current files (a box to keep each) and the files received.

    `kinds` and `max_bytes` are checked on the bytes; `transform(data) -> (data, kind)` may
    rewrite an accepted file (images are re-encoded); `multiple=False` keeps one file."""

    template = TEMPLATES + "upload_widget.pt"
    readonly_template = TEMPLATES + "upload_widget.pt"

    def __init__(self, kinds, max_bytes, multiple=True, transform=None, existing=(), **kw):
        super().__init__(**kw)
        self.kinds, self.max_bytes = set(kinds), max_bytes
        self.multiple, self.transform = multiple, transform
        self.existing = list(existing)  # (name, label) of the item's current files

    @property
    def accept(self):
        accepted = {"." + TYPES[k][1] for k in self.kinds} | {TYPES[k][0] for k in self.kinds}
        if "jpeg" in self.kinds:
            accepted.add(".jpeg")
        return ",".join(sorted(accepted))

    def serialize(self, field, cstruct, **kw):
        if cstruct in (colander.null, None) or not isinstance(cstruct, dict):
            cstruct = {"existing": [], "tokens": []}
        request = field.schema.bindings["request"]
        owner = upload_owner(request)
        received = []
        for token in cstruct.get("tokens", ()):
            meta = request.uploads.describe(token, owner)
            if meta is not None:
                received.append((token, meta["filename"], human_size(meta["size"])))
        values = self.get_template_values(field, cstruct, kw)
        values.update(received=received, existing=self.existing,
                      kept=set(cstruct.get("existing", ())))
        return field.renderer(self.template, **values)

    def deserialize(self, field, pstruct):
        request = field.schema.bindings["request"]
        store, owner = request.uploads, upload_owner(request)
        pstruct = pstruct if isinstance(pstruct, dict) else {}
        known = {name for name, _ in self.existing}
        existing = [n for n in pstruct.get("existing", ()) if n in known]
        tokens = [t for t in pstruct.get("tokens", ())
                  if owner and store.describe(t, owner) is not None]
        too_many = too_many_files(request)
        errors = [too_many] if too_many else []
        for upload in () if too_many else pstruct.get("upload", ()):
            try:
                posted = read_field(upload, self.max_bytes)
                if posted is None:
                    continue
                filename, data = posted
                check_file(filename, data, self.kinds, self.max_bytes)
                if self.transform is not None:
                    data, _ = self.transform(data)
            except UploadError as error:
                errors.append(str(error))
                continue
            if not owner:
                errors.append("Connectez-vous pour envoyer un fichier.")
                continue
            if not self.multiple:  # the new file replaces the current one and any received
                for old in tokens:
                    store.forget(old, owner)
                tokens, existing = [], []
            try:
                tokens.append(store.keep(filename, data, owner))
            except UploadError as error:
                errors.append(str(error))
        cstruct = {"existing": existing, "tokens": tokens}
        if errors:
            raise colander.Invalid(field.schema, " ".join(errors), value=cstruct)
        return cstruct


def _title_node(title="Titre"):
    return colander.SchemaNode(
        colander.String(), title=title, preparer=one_line,
        missing_msg="Donnez un titre.",
        validator=colander.Length(min=3, max=200, min_err="Le titre doit faire au moins 3 caractères.",
                                  max_err="200 caractères au plus."))


def news_schema(has_image=False):
    class NewsSchema(CSRFSchema):
        title = _title_node()
        date = colander.SchemaNode(
            FrenchDate(), title="Date de l'actualité", missing_msg="Indiquez une date.",
            widget=deform.widget.TextInputWidget(type_name="date"),
            description="Les actualités sont classées de la plus récente à la plus ancienne.")
        summary = colander.SchemaNode(
            colander.String(), title="Chapô", missing="",
            widget=deform.widget.TextAreaWidget(rows=3),
            description="Deux ou trois phrases, affichées dans la liste des actualités.",
            validator=colander.Length(max=600, max_err="600 caractères au plus."))
        text = colander.SchemaNode(
            colander.String(), title="Texte", missing_msg="Écrivez le texte de l'actualité.",
            widget=deform.widget.TextAreaWidget(rows=14), description=TEXT_HELP,
            validator=colander.Length(max=100_000, max_err="Ce texte est trop long."))
        image = colander.SchemaNode(
            Uploads(), title="Image", missing={"existing": [], "tokens": []},
            description="Facultative : une photo JPEG, PNG ou WebP de 10 Mo au plus.",
            widget=UploadWidget(NEWS_IMAGE_KINDS, IMAGE_MAX_BYTES, multiple=False,
                                transform=clean_image,
                                existing=[("image", "l'image actuelle")] if has_image else []))
        image_alt = colander.SchemaNode(
            colander.String(), title="Description de l'image", missing="", preparer=one_line,
            description="Pour les personnes qui ne voient pas l'image : ce qu'elle montre, "
                        "en une phrase.",
            validator=colander.Length(max=250, max_err="250 caractères au plus."))

    return NewsSchema()


def resource_schema(existing_files=()):
    class ResourceSchema(CSRFSchema):
        title = _title_node()
        category = colander.SchemaNode(
            colander.String(), title="Catégorie", missing_msg="Choisissez une catégorie.",
            widget=deform.widget.SelectWidget(
                values=[("", "— choisissez —")] + list(CATEGORIES.items())),
            validator=colander.OneOf(list(CATEGORIES), msg_err="Choisissez une catégorie de la liste."))
        tags = colander.SchemaNode(
            colander.String(), title="Mots-clés", missing="", validator=_tags_validator,
            description="Séparés par des virgules, par exemple : logement, jeunesse, budget.")
        description = colander.SchemaNode(
            colander.String(), title="Description", missing="",
            widget=deform.widget.TextAreaWidget(rows=8), description=TEXT_HELP,
            validator=colander.Length(max=20_000, max_err="Cette description est trop longue."))
        url = colander.SchemaNode(
            colander.String(), title="Lien", missing="", validator=_url_validator,
            preparer=lambda v: v.strip() if isinstance(v, str) else v,
            widget=deform.widget.TextInputWidget(type_name="url"),
            description="L'adresse d'une page ou d'un document en ligne (facultatif si vous "
                        "joignez un fichier).")
        files = colander.SchemaNode(
            Uploads(), title="Fichiers", missing={"existing": [], "tokens": []},
            description="PDF, Word, Excel, PowerPoint, OpenDocument, RTF, texte ou images ; "
                        "20 Mo au plus par fichier.",
            widget=UploadWidget(DOCUMENT_KINDS, RESOURCE_MAX_BYTES, existing=existing_files))

    return ResourceSchema()

"""Schemas of what a council publishes: documents, action reports and events.

Text fields keep exactly what was typed; the views turn descriptions and texts into clean HTML
when saving (`rich_text`), so a failed submission shows the person their own words again."""
import datetime
import html
import re

import colander
import deform

from ..resources.content import PARIS
from ..security.sanitize import clean_html, text_to_html
from ..security.visibility import DEFAULT_LEVEL, LEVEL_LABELS, LEVEL_SENTENCES, LEVELS
from ..text import clean_text, one_line
from .render import CSRFSchema

WIDGETS = "conseils_site:templates/content/widgets/"
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TEXT_MAX = 50000
BODY_MAX = 200000
PLACE_MAX = 300
MODES = {
    "classique": ("Classique", "Vous déposez des fichiers et une description ; vous seul (et les "
                               "référents) pourrez les modifier."),
    "collaboratif": ("Collaboratif", "Un texte que tous les membres de votre conseil pourront "
                                     "modifier, chacun à son tour."),
}
_TAG = re.compile(r"<[^>]+>")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_FR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
_TIME = re.compile(r"^(\d{1,2})\s*(?:[:h]\s*(\d{2})?)?(?::\d{2})?$", re.IGNORECASE)
DATE_INVALID = "Cette date n'est pas valide : écrivez-la comme 25/12/2030."
TIME_INVALID = "Cette heure n'est pas valide : écrivez-la comme 18:30."


def rich_text(value):
    """What is stored for a description or a text: typed lines become paragraphs; HTML (pasted
    from elsewhere) keeps its formatting but loses scripts, styles and anything active."""
    value = (value or "").strip()
    if not value:
        return ""
    return clean_html(value) if _TAG.search(value) else text_to_html(value)


def editable_text(stored):
    """The stored HTML as the person typed it, when it came from plain lines (the usual case)."""
    tags = set(_TAG.findall(stored or ""))
    if not tags <= {"<p>", "</p>", "<br>"}:
        return stored or ""
    paragraphs = re.findall(r"<p>(.*?)</p>", stored, re.S)
    return "\n\n".join(html.unescape(p.replace("<br>", "\n")) for p in paragraphs)


def parse_date(text):
    """A date typed as 2030-12-25 (what phones send) or 25/12/2030; None when it is not one."""
    text = (text or "").strip()
    iso, french = _DATE_ISO.match(text), _DATE_FR.match(text)
    try:
        if iso:
            return datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if french:
            year = int(french[3]) + (2000 if len(french[3]) == 2 else 0)
            return datetime.date(year, int(french[2]), int(french[1]))
    except ValueError:
        return None
    return None


def parse_time(text):
    """An hour typed as 18:30, 18h30, 18 h or 18; None when it is not one."""
    found = _TIME.match((text or "").strip())
    if not found:
        return None
    try:
        return datetime.time(int(found[1]), int(found[2] or 0))
    except ValueError:
        return None


class FrenchDate(colander.SchemaType):
    """A day, shown in an <input type="date">, accepting the French way of writing it too."""

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        return appstruct.isoformat()

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None, ""):
            return colander.null
        value = parse_date(cstruct)
        if value is None:
            raise colander.Invalid(node, DATE_INVALID)
        return value


class ParisDateTime(colander.SchemaType):
    """A moment typed as a day and an hour in Paris time; stored as an aware datetime.

    With `date_optional`, an hour alone is accepted and returned as a `time`: the event schema
    puts it on the start's day (an event ending the day it starts needs no second date)."""

    def __init__(self, date_optional=False):
        self.date_optional = date_optional

    def serialize(self, node, appstruct):
        if appstruct in (colander.null, None):
            return colander.null
        if isinstance(appstruct, datetime.time):
            return ("", appstruct.strftime("%H:%M"))
        local = appstruct.astimezone(PARIS)
        return (local.date().isoformat(), local.strftime("%H:%M"))

    def deserialize(self, node, cstruct):
        if cstruct in (colander.null, None) or not any(cstruct):
            return colander.null
        day_text, hour_text = cstruct
        hour = parse_time(hour_text)
        if not hour_text:
            raise colander.Invalid(node, "Indiquez aussi l'heure (par exemple 18:30).")
        if hour is None:
            raise colander.Invalid(node, TIME_INVALID)
        if not day_text:
            if self.date_optional:
                return hour
            raise colander.Invalid(node, "Indiquez aussi la date.")
        day = parse_date(day_text)
        if day is None:
            raise colander.Invalid(node, DATE_INVALID)
        return datetime.datetime.combine(day, hour, tzinfo=PARIS)


class DateTimeWidget(deform.widget.Widget):
    """Two inputs with the field's own name, a date then an hour: native pickers on phones,
    no JavaScript. Peppercorn gathers them as a sequence."""

    template = WIDGETS + "datetime.pt"
    readonly_template = WIDGETS + "datetime.pt"
    date_help = ""

    def serialize(self, field, cstruct, **kw):
        if cstruct in (colander.null, None):
            cstruct = ("", "")
        values = self.get_template_values(field, cstruct, kw)
        values["day"], values["hour"] = cstruct
        return field.renderer(self.template, **values)

    def deserialize(self, field, pstruct):
        if pstruct in (colander.null, None):
            return colander.null
        if isinstance(pstruct, str):  # one value: "2030-12-25T18:30" or "2030-12-25 18:30"
            pstruct = re.split(r"[T ]", pstruct.strip(), maxsplit=1) + [""]
        if not isinstance(pstruct, (list, tuple)) or not all(isinstance(p, str) for p in pstruct):
            raise colander.Invalid(field.schema, DATE_INVALID)
        parts = [p.strip() for p in pstruct[:2]] + [""] * (2 - len(pstruct[:2]))
        return colander.null if not any(parts) else tuple(parts)


class FilesWidget(deform.widget.Widget):
    """An <input type="file" multiple> read by the view itself (deform only renders it): lists
    the files already received (hidden tokens) and the item's files, which can be removed."""

    template = WIDGETS + "files.pt"
    readonly_template = WIDGETS + "files.pt"
    accept = ""
    token_name = "upload"  # hidden inputs carrying the tokens of files already received
    received = ()  # [{'token', 'filename', 'size'}], set by the view
    problems = ()  # French messages about refused files, set by the view
    existing = ()  # the item's attachments when editing

    def serialize(self, field, cstruct, **kw):
        return field.renderer(self.template, **self.get_template_values(field, cstruct, kw))

    def deserialize(self, field, pstruct):
        return colander.null




def title_node(help_text=""):
    return colander.SchemaNode(
        colander.String(), title="Titre", description=help_text, preparer=one_line,
        missing_msg="Indiquez un titre.",
        validator=colander.Length(min=3, max=TITLE_MAX, min_err="Le titre doit faire au moins 3 caractères.",
                                  max_err=f"Le titre est trop long : {TITLE_MAX} caractères au plus."))


def text_node(title, help_text="", max_length=DESCRIPTION_MAX, rows=6, required=False, missing_msg=""):
    return colander.SchemaNode(
        colander.String(), title=title, description=help_text, preparer=clean_text,
        missing=colander.required if required else "", missing_msg=missing_msg or "Ce champ est à remplir.",
        widget=deform.widget.TextAreaWidget(rows=rows),
        validator=colander.Length(max=max_length, max_err=f"Ce texte est trop long : "
                                  f"{max_length:,} caractères au plus.".replace(",", " ")))


def visibility_node():
    return colander.SchemaNode(
        colander.String(), title="Qui pourra voir ceci ?", default=DEFAULT_LEVEL,
        missing_msg="Choisissez qui pourra voir ceci.",
        validator=colander.OneOf(LEVELS, msg_err="Choisissez une des quatre possibilités."),
        widget=deform.widget.RadioChoiceWidget(
            values=[(level, LEVEL_LABELS[level]) for level in LEVELS],
            sentences=LEVEL_SENTENCES, template=WIDGETS + "choices.pt"))


def files_node(name, title, help_text, accept="", token_name="upload"):
    return colander.SchemaNode(
        colander.String(), name=name, title=title, description=help_text, missing=colander.drop,
        widget=FilesWidget(accept=accept, token_name=token_name))


FILES_HELP = ("PDF, Word, Excel, PowerPoint, OpenDocument, texte ou images ; 20 Mo au plus par "
              "fichier. Vous pouvez en choisir plusieurs à la fois.")
PHOTOS_HELP = "Photos JPEG, PNG ou WebP ; 20 Mo au plus chacune. Les informations cachées " \
              "des photos (lieu, appareil) sont retirées."


class DocumentSchema(CSRFSchema):
    title = title_node()
    mode = colander.SchemaNode(
        colander.String(), title="Type de document", default="classique",
        validator=colander.OneOf(list(MODES), msg_err="Choisissez « classique » ou « collaboratif »."),
        widget=deform.widget.RadioChoiceWidget(
            values=[(key, label) for key, (label, _) in MODES.items()],
            sentences={key: sentence for key, (_, sentence) in MODES.items()},
            template=WIDGETS + "choices.pt"))
    description = text_node("Description", "En quelques lignes : de quoi parle ce document ?", rows=4)
    body = text_node("Texte collaboratif",
                     "Pour un document collaboratif : le texte que les membres du conseil écrivent "
                     "ensemble. Laissez vide pour un document classique.",
                     max_length=BODY_MAX, rows=12)
    files = files_node("files", "Fichiers", FILES_HELP)
    visibility = visibility_node()


@colander.deferred
def _today(node, kw):
    return datetime.datetime.now(PARIS).date()


class ActionReportSchema(CSRFSchema):
    title = title_node("Le nom de l'action, par exemple « Nettoyage du square Jean-Moulin ».")
    date = colander.SchemaNode(
        FrenchDate(), title="Date de l'action", default=_today, missing_msg="Indiquez la date de l'action.",
        widget=deform.widget.TextInputWidget(type_name="date"))
    text = text_node("Compte rendu", "Ce qui a été fait, avec qui, et ce qui en est ressorti.",
                     max_length=TEXT_MAX, rows=10, required=True,
                     missing_msg="Écrivez le compte rendu de l'action.")
    photos = files_node("photos", "Photos", PHOTOS_HELP, accept="image/*",
                        token_name="photo_upload")
    files = files_node("files", "Pièces jointes", FILES_HELP)
    visibility = visibility_node()


class EventSchema(CSRFSchema):
    """`creating` (set at construction) refuses a start in the past; editing a past event is fine."""

    creating = False
    title = title_node("Par exemple « Réunion publique sur le projet de rénovation ».")
    start = colander.SchemaNode(
        ParisDateTime(), title="Début", missing_msg="Indiquez le jour et l'heure du début.",
        widget=DateTimeWidget())
    end = colander.SchemaNode(
        ParisDateTime(date_optional=True), title="Fin",
        description="Si l'événement finit le jour où il commence, l'heure suffit.",
        missing_msg="Indiquez l'heure de fin.", widget=DateTimeWidget())
    place = colander.SchemaNode(
        colander.String(), title="Lieu", preparer=one_line, missing="",
        description="L'adresse ou le nom du lieu, par exemple « Maison de quartier, 12 rue des Lilas ».",
        validator=colander.Length(max=PLACE_MAX, max_err=f"{PLACE_MAX} caractères au plus."))
    description = text_node("Description", "Le programme, à qui s'adresse l'événement, "
                                           "comment venir…", rows=6)
    visibility = visibility_node()

    def preparer(self, value):
        """An end given as an hour alone happens on the start's day."""
        value["end"] = _on_start_day(value.get("start"), value.get("end"))
        return value

    def moment_problems(self, start, end):
        """{field: message} for a start in the past (when creating) or an end before the start."""
        problems = {}
        if not isinstance(start, datetime.datetime):
            return problems
        end = _on_start_day(start, end)
        if self.creating and start < datetime.datetime.now(PARIS):
            problems["start"] = ("Cette date est déjà passée : on ne peut annoncer qu'un événement "
                                 "à venir. Vérifiez le jour et l'heure.")
        if isinstance(end, datetime.datetime) and end < start:
            problems["end"] = "La fin doit être après le début : vérifiez le jour et l'heure de fin."
        return problems

    def validator(self, node, value):
        problems = self.moment_problems(value["start"], value["end"])
        if problems:
            error = colander.Invalid(node, "")
            for name, message in problems.items():
                error[name] = message
            raise error

    def deserialize(self, cstruct=colander.null):
        """When another field is wrong, colander skips `validator`: check the dates anyway, so
        every problem is shown at once instead of one after the other."""
        try:
            return super().deserialize(cstruct)
        except colander.Invalid as error:
            failed = {child.node.name for child in error.children}
            if isinstance(cstruct, dict) and not failed & {"start", "end"}:
                start = self["start"].deserialize(cstruct.get("start", colander.null))
                end = self["end"].deserialize(cstruct.get("end", colander.null))
                for name, message in self.moment_problems(start, end).items():
                    error[name] = message
            raise


def _on_start_day(start, end):
    if isinstance(end, datetime.time) and isinstance(start, datetime.datetime):
        return datetime.datetime.combine(start.astimezone(PARIS).date(), end, tzinfo=PARIS)
    return end


class EventEditSchema(EventSchema):
    cancelled = colander.SchemaNode(
        colander.Boolean(), title="Cet événement est annulé", missing=False,
        description="Il reste affiché, marqué « annulé », pour prévenir ceux qui comptaient venir.",
        widget=deform.widget.CheckboxWidget())

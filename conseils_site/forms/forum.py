"""Schemas of the forum, and the simple formatting of its messages.

A message is typed as plain text with a few marks (a blank line between paragraphs, **gras**,
lines starting with « - » or « 1. » for lists, [texte](adresse) or a bare address for a link).
Whatever else is typed is text, escaped: HTML or a script shows as its characters. The result
still goes through the site's sanitiser, which keeps only simple tags and http(s) links and gives
links rel="nofollow ugc". The text as typed is kept too, so the edit form shows the person
their own words."""
import html
import re

import colander
import deform

from ..security.sanitize import SIMPLE_TAGS, clean_html
from .render import CSRFSchema

FORUM_TAGS = SIMPLE_TAGS | {"blockquote"}
TITLE_MAX = 150
TEXT_MAX = 20000
REASON_MAX = 1000
CATEGORY_DESCRIPTION_MAX = 500
TEXT_HELP = ("Mise en forme simple : laissez une ligne vide entre deux paragraphes ; "
             "**mots en gras** ; une ligne commençant par « - » ou « 1. » fait une liste ; "
             "une adresse web devient un lien, ou écrivez [texte du lien](https://adresse).")

_TYPED_TAG = re.compile(r"&lt;(/?)(b|strong|i|em)&gt;", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_URL = re.compile(r"(?<![\"'=\w/])(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)])")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_BULLET = re.compile(r"^\s*[-*•]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def _inline(escaped):
    """Links and bold in a line already escaped for HTML."""
    placeholders = []

    def keep(markup):
        placeholders.append(markup)
        return f"\x00{len(placeholders) - 1}\x00"

    escaped = _LINK.sub(lambda m: keep(f'<a href="{m[2]}">{m[1]}</a>'), escaped)
    escaped = _URL.sub(lambda m: keep(f'<a href="{m[1]}">{m[1]}</a>'), escaped)
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    return re.sub("\x00(\\d+)\x00", lambda m: placeholders[int(m[1])], escaped)


def _block(lines):
    """One paragraph, or a list when every line is an item of the same kind."""
    for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
        items = [pattern.match(line) for line in lines]
        if all(items):
            return f"<{tag}>" + "".join(f"<li>{_inline(m[1])}</li>" for m in items) + f"</{tag}>"
    return "<p>" + "<br>".join(_inline(line) for line in lines) + "</p>"


def message_html(source):
    """The stored, sanitised HTML of what was typed. Everything typed is text: « <script> »
    shows as these characters, never as markup; only <b>, <strong>, <i>, <em> typed by hand
    (without attributes) are kept as such."""
    source = (source or "").strip()
    if not source:
        return ""
    blocks = re.split(r"\n\s*\n", source.replace("\r\n", "\n"))
    parts = []
    for block in blocks:
        lines = [html.escape(line.strip(), quote=True) for line in block.split("\n") if line.strip()]
        if lines:
            parts.append(_block(lines))
    return clean_html(_TYPED_TAG.sub(r"<\1\2>", "".join(parts)), tags=FORUM_TAGS)


def _one_line(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _has_words(node, value):
    if not re.sub(r"<[^>]+>|\s", "", message_html(value)):
        raise colander.Invalid(node, "Le message est vide une fois la mise en forme retirée : "
                                     "écrivez quelques mots.")


def title_node():
    return colander.SchemaNode(
        colander.String(), title="Titre du sujet", preparer=_one_line,
        description="Une phrase qui dit de quoi il s'agit, par exemple « Comment organiser une "
                    "marche exploratoire ? ».",
        missing_msg="Indiquez un titre.",
        validator=colander.Length(min=5, max=TITLE_MAX,
                                  min_err="Le titre doit faire au moins 5 caractères.",
                                  max_err=f"Le titre est trop long : {TITLE_MAX} caractères au plus."))


def text_node(title="Message"):
    return colander.SchemaNode(
        colander.String(), title=title, preparer=_strip, description=TEXT_HELP,
        missing_msg="Écrivez votre message.",
        widget=deform.widget.TextAreaWidget(rows=8, attributes={"class": "forum-text"}),
        validator=colander.All(
            colander.Length(max=TEXT_MAX, max_err=f"Le message est trop long : "
                            f"{TEXT_MAX:,} caractères au plus.".replace(",", " ")),
            _has_words))


class TopicSchema(CSRFSchema):
    title = title_node()
    text = text_node()


class ReplySchema(CSRFSchema):
    text = text_node("Votre réponse")
    quote = colander.SchemaNode(colander.String(), widget=deform.widget.HiddenWidget(), missing="")


class EditTopicSchema(CSRFSchema):
    title = title_node()
    text = text_node()


class EditReplySchema(CSRFSchema):
    text = text_node()


class ReportSchema(CSRFSchema):
    reason = colander.SchemaNode(
        colander.String(), title="Pourquoi signalez-vous ce message ?", preparer=_strip,
        description="Par exemple : propos insultants, publicité, informations personnelles. "
                    "Seuls les animateurs liront votre signalement.",
        missing_msg="Dites en quelques mots ce qui pose problème.",
        widget=deform.widget.TextAreaWidget(rows=4),
        validator=colander.Length(min=5, max=REASON_MAX,
                                  min_err="Dites en quelques mots ce qui pose problème "
                                          "(5 caractères au moins).",
                                  max_err=f"{REASON_MAX} caractères au plus."))


class CategorySchema(CSRFSchema):
    title = colander.SchemaNode(
        colander.String(), title="Nom de la rubrique", preparer=_one_line,
        missing_msg="Indiquez un nom.",
        validator=colander.Length(min=3, max=80, min_err="Le nom doit faire au moins 3 caractères.",
                                  max_err="80 caractères au plus."))
    description = colander.SchemaNode(
        colander.String(), title="Description", preparer=_strip, missing="",
        description="Une phrase qui dit ce qu'on y trouve.",
        widget=deform.widget.TextAreaWidget(rows=3),
        validator=colander.Length(max=CATEGORY_DESCRIPTION_MAX,
                                  max_err=f"{CATEGORY_DESCRIPTION_MAX} caractères au plus."))
    order = colander.SchemaNode(
        colander.Integer(), title="Ordre d'affichage", default=100,
        description="Les rubriques s'affichent de la plus petite valeur à la plus grande.",
        missing_msg="Indiquez un nombre, par exemple 10.",
        validator=colander.Range(min=0, max=100000, min_err="Un nombre positif, s'il vous plaît.",
                                 max_err="100 000 au plus."),
        widget=deform.widget.TextInputWidget(type_name="number"))

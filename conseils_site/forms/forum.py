"""Schemas of the forum, and the simple formatting of its messages.

A message is typed as plain text with a few marks (a blank line between paragraphs, **gras**,
*italique*, lines starting with « - » or « 1. » for lists, [texte](adresse) or a bare address
for a link), read by markdown-it-py reduced to those marks, in time proportional to the text.
Whatever else is typed is text, escaped: HTML or a script shows as its characters. The result
still goes through the site's sanitiser, which keeps only simple tags and http(s)/mailto links
and gives links rel="nofollow ugc". The text as typed is kept too, so the edit form shows the
person their own words."""
import re

import colander
import deform
from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..security.sanitize import SIMPLE_TAGS, clean_html
from ..text import one_line
from .render import CSRFSchema

FORUM_TAGS = SIMPLE_TAGS | {"blockquote"}
TITLE_MAX = 150
TEXT_MAX = 20000
REASON_MAX = 1000
CATEGORY_DESCRIPTION_MAX = 500
TEXT_HELP = ("Mise en forme simple : laissez une ligne vide entre deux paragraphes ; "
             "**mots en gras**, *mots en italique* ; une ligne commençant par « - » ou « 1. » "
             "fait une liste ; une adresse web devient un lien, ou écrivez "
             "[texte du lien](https://adresse).")

LINK_SCHEMES = ("http://", "https://", "mailto:")
# Each pattern below is anchored or has no quantified part followed by another: one pass, no
# backtracking, whatever is typed (a reply of 20,000 « [ » once took 3 s with the old patterns).
_TYPED_TAG = re.compile(r"</?(?:b|strong|i|em)>", re.IGNORECASE)
_BARE_URL = re.compile(r"(?<![\w/\"'=])https?://[^\s<>\"']+")
_URL_TAIL = ".,;:!?)"
_BULLET_DOT = re.compile(r"^([ \t]*)\u2022(?=[ \t])", re.MULTILINE)


def _typed_tag(state, silent):
    """<b>, <strong>, <i>, <em> and their ends typed by hand, without attributes, stay tags;
    any other « < » is text."""
    if state.src[state.pos] != "<":
        return False
    match = _TYPED_TAG.match(state.src, state.pos)
    if match is None:
        return False
    if not silent:
        state.push("html_inline", "", 0).content = match[0].lower()
    state.pos = match.end()
    return True


def _bare_links(state):
    """A bare http(s) address in text becomes a link, its final punctuation left outside."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, depth = [], 0
        for token in block.children:
            depth += (token.type == "link_open") - (token.type == "link_close")
            if token.type != "text" or depth or "://" not in token.content:
                children.append(token)
                continue
            children.extend(_split_links(state.md, token))
        block.children = children


def _split_links(md, token):
    text, last = token.content, 0
    for match in _BARE_URL.finditer(text):
        url = _without_tail(match[0])
        if len(url) <= len("https://"):
            continue
        if match.start() > last:
            yield _text(text[last:match.start()], token.level)
        link = Token("link_open", "a", 1, level=token.level)
        link.attrSet("href", md.normalizeLink(url))
        yield link
        yield _text(md.normalizeLinkText(url), token.level + 1)
        yield Token("link_close", "a", -1, level=token.level)
        last = match.start() + len(url)
    if last < len(text):
        yield _text(text[last:], token.level)


def _without_tail(url):
    """The address without the punctuation that ends the sentence; a closing parenthesis
    stays when it closes one opened in the address (…/wiki/Rue_(Lyon))."""
    unclosed = url.count("(") - url.count(")")
    end = len(url)
    while end and url[end - 1] in _URL_TAIL:
        if url[end - 1] == ")":
            if unclosed >= 0:
                break
            unclosed += 1
        end -= 1
    return url[:end]


def _text(content, level):
    token = Token("text", "", 0, level=level)
    token.content = content
    return token


def _markdown():
    """CommonMark reduced to the forum's marks: paragraphs, line breaks, bold and italic,
    lists, links; headings, code, quotes, images and raw HTML stay text. markdown-it-py
    parses in linear time."""
    md = MarkdownIt("zero", {"breaks": True}).enable(
        ["list", "newline", "escape", "emphasis", "link"])
    md.validateLink = lambda url: url.lower().startswith(LINK_SCHEMES)
    md.inline.ruler.before("text", "typed_tag", _typed_tag)
    md.core.ruler.after("text_join", "bare_links", _bare_links)
    return md


_MARKDOWN = _markdown()


def message_html(source):
    """The stored, sanitised HTML of what was typed. Everything typed is text: « <script> »
    shows as these characters, never as markup; only <b>, <strong>, <i>, <em> typed by hand
    (without attributes) are kept as such. The site's cleaner then keeps only the forum's
    tags and http(s)/mailto links, with rel="nofollow ugc"."""
    source = (source or "").strip()
    if not source:
        return ""
    rendered = _MARKDOWN.render(_BULLET_DOT.sub(r"\1-", source))
    # markdown-it puts a line end after each block and <br>; text has none (line ends in it
    # are soft breaks), so dropping them changes no words.
    return clean_html(rendered.replace("\n", ""), tags=FORUM_TAGS)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _has_words(node, value):
    if not re.sub(r"<[^>]+>|\s", "", message_html(value)):
        raise colander.Invalid(node, "Le message est vide une fois la mise en forme retirée : "
                                     "écrivez quelques mots.")


def title_node():
    return colander.SchemaNode(
        colander.String(), title="Titre du sujet", preparer=one_line,
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
        colander.String(), title="Nom de la rubrique", preparer=one_line,
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

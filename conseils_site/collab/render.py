"""Between the editor's document (a Yjs XML fragment in ProseMirror's shape) and stored HTML.

The browser's editor (y-prosemirror) keeps the text as elements named after ProseMirror's node
types (paragraph, heading, bullet_list…) holding XML texts whose formatting attributes are the
marks (strong, em, link…). Readers never get the editor: they get this HTML, rendered on the
server from a closed list of elements and cleaned again, so whatever an editor's browser sends,
what others see is the site's own safe HTML. Links keep http(s) and mailto addresses only, and
blocks nested deeper than `MAX_DEPTH` lose their tags (the server refuses such updates; this
keeps a page from failing on a text stored before)."""
import html
import re
from html.parser import HTMLParser

from pycrdt import XmlElement, XmlText

from ..security.sanitize import clean_html

BLOCK_TAGS = {
    "paragraph": "p", "blockquote": "blockquote", "bullet_list": "ul", "ordered_list": "ol",
    "list_item": "li", "code_block": "pre",
}
EMPTY_TAGS = {"hard_break": "br", "horizontal_rule": "hr"}
MARK_TAGS = {"strong": "strong", "em": "em", "code": "code"}  # and "link", with its address
HEADING_LEVELS = (2, 3, 4)  # the page's title is the h1
MAX_DEPTH = 64  # elements inside elements: lists in lists in quotes stay far below
_SAFE_HREF = re.compile(r"(https?://|mailto:)", re.IGNORECASE)


def safe_href(value):
    """The address if it is an http(s) or mailto link, else None (javascript:, data:…)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if _SAFE_HREF.match(value) else None


def link_marks_safe(attributes):
    """False when formatting attributes carry a link mark whose address is not allowed."""
    for key, value in (attributes or {}).items():
        if _mark_name(key) == "link" and value is not None:
            if not isinstance(value, dict) or safe_href(value.get("href")) is None:
                return False
    return True


def heading_tag(level):
    try:
        level = int(float(level))
    except (TypeError, ValueError):
        level = 2
    return f"h{min(max(level, HEADING_LEVELS[0]), HEADING_LEVELS[-1])}"


def _mark_name(key):
    """y-prosemirror names overlapping marks "strong--<hash>"; the mark is the part before."""
    return key.split("--", 1)[0]


def _text_html(node):
    parts = []
    for chunk, attrs in node.diff():
        if not isinstance(chunk, str):
            continue  # embeds: none in our schema
        piece = html.escape(chunk)
        for key, value in sorted((attrs or {}).items()):
            name = _mark_name(key)
            if name in MARK_TAGS:
                piece = f"<{MARK_TAGS[name]}>{piece}</{MARK_TAGS[name]}>"
            elif name == "link" and isinstance(value, dict) and safe_href(value.get("href")):
                piece = f'<a href="{html.escape(safe_href(value["href"]))}">{piece}</a>'
        parts.append(piece)
    return "".join(parts)


def _tag_name(node, depth):
    """The HTML tag of an element, or None when only its content is kept."""
    if depth > MAX_DEPTH:
        return None
    if node.tag == "heading":
        return heading_tag(node.attributes.get("level"))
    return BLOCK_TAGS.get(node.tag)  # an unknown element keeps its text, not its tag


def fragment_html(fragment):
    """The fragment as cleaned HTML (the same cleaning as every rich text of the site).
    Walked with a stack, not recursion: a deep text cannot exhaust Python's stack."""
    parts = []
    stack = [(child, 1) for child in reversed(list(fragment.children))]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            parts.append(node)  # a closing tag, after the element's children
        elif isinstance(node, XmlText):
            parts.append(_text_html(node))
        elif node.tag in EMPTY_TAGS:
            if depth <= MAX_DEPTH:
                parts.append(f"<{EMPTY_TAGS[node.tag]}>")
        else:
            name = _tag_name(node, depth)
            if name:
                parts.append(f"<{name}>")
                stack.append((f"</{name}>", depth))
            stack.extend((child, depth + 1) for child in reversed(list(node.children)))
    return clean_html("".join(parts))


class _Builder(HTMLParser):
    """Cleaned HTML → a list of prelim XmlElements in ProseMirror's shape (used to start a
    collaborative text from a form's text or a classic document's body)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.stack = []  # (tag, attrs, children) of open blocks
        self.marks = {}
        self.runs = []  # (text, marks) of the paragraph being read

    # Blocks -------------------------------------------------------------------------------
    def _open(self, name, attrs=None):
        self._flush_runs()
        self.stack.append((name, attrs or {}, []))

    def _close(self, name):
        self._flush_runs()
        while self.stack:
            tag, attrs, children = self.stack.pop()
            if tag == "list_item" and not children:
                children = [XmlElement("paragraph")]
            element = XmlElement(tag, attrs, children)
            self._emit(element)
            if tag == name:
                return

    def _emit(self, element):
        if self.stack:
            self.stack[-1][2].append(element)
        else:
            self.blocks.append(element)

    def _flush_runs(self):
        if not self.runs:
            return
        runs, self.runs = self.runs, []
        text = XmlText()
        paragraph = None if self.stack and self.stack[-1][0] in ("paragraph", "heading") else \
            XmlElement("paragraph", None, [text])
        self._texts.append((text, runs))
        if paragraph is not None:
            self._emit(paragraph)
        else:
            self.stack[-1][2].append(text)

    # Parser callbacks -----------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "p":
            self._open("paragraph")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._open("heading", {"level": int(heading_tag(tag[1])[1])})
        elif tag == "ul":
            self._open("bullet_list")
        elif tag == "ol":
            self._open("ordered_list", {"order": 1})
        elif tag == "li":
            self._open("list_item")
        elif tag == "blockquote":
            self._open("blockquote")
        elif tag == "br" and self.stack and self.stack[-1][0] in ("paragraph", "heading"):
            self._flush_runs()
            self.stack[-1][2].append(XmlElement("hard_break"))
        elif tag == "br":
            self.runs.append((" ", dict(self.marks)))
        elif tag == "hr":
            self._flush_runs()
            self._emit(XmlElement("horizontal_rule"))
        elif tag in ("strong", "b"):
            self.marks["strong"] = {}
        elif tag in ("em", "i"):
            self.marks["em"] = {}
        elif tag == "code":
            self.marks["code"] = {}
        elif tag == "a" and safe_href(attrs.get("href")):
            self.marks["link"] = {"href": safe_href(attrs["href"]), "title": None}

    def handle_endtag(self, tag):
        names = {"p": "paragraph", "ul": "bullet_list", "ol": "ordered_list", "li": "list_item",
                 "blockquote": "blockquote"}
        if tag in names or tag.startswith("h") and tag[1:].isdigit():
            self._close(names.get(tag, "heading"))
        elif tag in ("strong", "b"):
            self.marks.pop("strong", None)
        elif tag in ("em", "i"):
            self.marks.pop("em", None)
        elif tag == "code":
            self.marks.pop("code", None)
        elif tag == "a":
            self.marks.pop("link", None)

    def handle_data(self, data):
        if data.strip() or self.runs:
            self.runs.append((data, dict(self.marks)))

    def build(self, value):
        self._texts = []
        self.feed(value)
        self.close()
        self._flush_runs()
        while self.stack:
            self._close(self.stack[-1][0])
        return self.blocks, self._texts


def fill_fragment(fragment, value):
    """Append the blocks of cleaned HTML `value` to an integrated, empty fragment."""
    blocks, texts = _Builder().build(clean_html(value))
    for block in blocks:
        fragment.children.append(block)
    # Texts can only be written once integrated into the document.
    for text, runs in texts:
        for chunk, marks in runs:
            text.insert(len(text), chunk, marks or None)

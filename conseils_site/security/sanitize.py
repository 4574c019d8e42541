"""HTML typed by people is cleaned on input: what is stored can be shown as is on every page."""
import html
import re

import nh3

RICH_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h2", "h3", "h4",
             "blockquote", "hr"}
SIMPLE_TAGS = {"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "a"}
_BLOCK_TAG = re.compile(r"</?(p|br|li|ul|ol|h[1-6]|blockquote|hr|div|tr|td)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


def clean_html(value, tags=RICH_TAGS):
    """Keep formatting and links, drop everything else (scripts, styles, events, iframes);
    links get rel="nofollow ugc noopener" and only http(s) and mailto addresses."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=tags,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
    ).strip()


def text_to_html(value):
    """Plain text typed without formatting becomes paragraphs, escaped."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", value or "") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def html_to_text(value):
    """The words of stored HTML, for the search index, feeds' summaries and SMS."""
    if not value:
        return ""
    spaced = _BLOCK_TAG.sub(" ", value)  # blocks separate words; inline tags do not
    return _SPACES.sub(" ", html.unescape(_TAG.sub("", spaced))).strip()

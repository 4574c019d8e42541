"""The forum's simple formatting: marks become tags, everything else stays text, links get
rel="nofollow ugc" and only http(s) addresses."""
import pytest
from bs4 import BeautifulSoup

from conseils_site.forms.forum import message_html


def test_paragraphs_bold_lists_and_links():
    html = message_html("Bonjour **à tous**\nligne deux\n\n- un\n- deux\n\n1. premier\n2. second\n\n"
                        "Voir [le guide](https://exemple.fr/g) et https://exemple.fr/a?b=1&c=2.")
    assert html.startswith("<p>Bonjour <strong>à tous</strong><br>ligne deux</p>")
    assert "<ul><li>un</li><li>deux</li></ul>" in html
    assert "<ol><li>premier</li><li>second</li></ol>" in html
    assert '<a href="https://exemple.fr/g" rel="nofollow ugc noopener">le guide</a>' in html
    # The final full stop is not part of the address; & is escaped in the attribute.
    assert '<a href="https://exemple.fr/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert html.endswith("</a>.</p>")


@pytest.mark.parametrize("typed", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=//evil></iframe>",
    "<b onclick='x()'>gras</b>",
    "<style>body{display:none}</style>",
])
def test_html_is_text(typed):
    html = message_html(typed)
    elements = BeautifulSoup(html, "html.parser").find_all(True)
    assert {e.name for e in elements} <= {"p", "b", "br"}
    assert not any(e.attrs for e in elements)  # no event handler, no address
    assert "&lt;" in html  # shown as the characters typed


def test_javascript_links_in_marks_are_not_links():
    html = message_html("[clic](javascript:alert(1)) [ok](ftp://x.fr/y)")
    assert "<a" not in html


def test_a_few_typed_tags_are_kept():
    assert message_html("<b>gras</b> et <em>penché</em>") == "<p><b>gras</b> et <em>penché</em></p>"
    assert message_html("<strong>sans fin") == "<p><strong>sans fin</strong></p>"


def test_empty_and_comparisons():
    assert message_html("   \n\n  ") == ""
    assert message_html("a < b > c & d") == "<p>a &lt; b &gt; c &amp; d</p>"

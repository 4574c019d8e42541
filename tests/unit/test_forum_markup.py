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


def test_italic_mailto_and_the_old_bullet():
    """What markdown-it-py brought: *italique*, mailto links; « • » lists still work."""
    assert message_html("*penché* et _aussi_") == "<p><em>penché</em> et <em>aussi</em></p>"
    assert 'href="mailto:a@exemple.fr"' in message_html("[écrire](mailto:a@exemple.fr)")
    assert message_html("• un\n• deux") == "<ul><li>un</li><li>deux</li></ul>"
    assert message_html(r"\*\*pas gras\*\*") == "<p>**pas gras**</p>"


def test_other_markdown_stays_text():
    """Headings, quotes, code, images and autolinks in angle brackets are not forum marks."""
    html = message_html("# Titre\n> cité\n\n    code\n\n`x`\n\n![i](https://x.fr/i.png)")
    tags = {e.name for e in BeautifulSoup(html, "html.parser").find_all(True)}
    assert tags <= {"p", "br", "a"}
    assert "# Titre" in html and "&gt; cité" in html and "`x`" in html


def test_parenthesis_closing_an_address_stays_in_it():
    html = message_html("(voir https://fr.wikipedia.org/wiki/Rue_(Lyon)).")
    assert 'href="https://fr.wikipedia.org/wiki/Rue_(Lyon)"' in html
    assert html.endswith("</a>).</p>")


def test_a_link_inside_a_link_label_is_not_linked_twice():
    html = message_html("[https://a.fr/x](https://b.fr/y)")
    assert html.count("<a ") == 1 and 'href="https://b.fr/y"' in html

"""The content-type registry: a kind declared here, in the test (a throwaway persistent class and
colander schema, registered then unregistered), reads right in a council's listing, an alert,
the council's feed and « Rechercher » with no other change to the site.

The add form is not covered: there is no generic add view yet (each kind's add view is its own,
views/content.py), so a new kind still needs its add view."""
import datetime
import xml.etree.ElementTree as ET

import colander
import pytest
import webtest

from conseils_site import types
from conseils_site.notify.alerts import describe
from conseils_site.resources.content import CouncilItem
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site

A = "{http://www.w3.org/2005/Atom}"
TITLE = "Consultation sur le square Jean-Moulin"


class Poll(CouncilItem):
    """A throwaway kind: a question put to the neighbourhood, open until `closes`."""

    kind = "test_poll"
    question = ""

    def __init__(self, title, council_id, question, closes, **kwargs):
        super().__init__(title, council_id, **kwargs)
        self.question = question
        self.closes = closes


class PollSchema(colander.MappingSchema):
    title = colander.SchemaNode(colander.String(), title="Titre")
    question = colander.SchemaNode(colander.String(), title="Question")


def closes_on(poll):
    return f"Ouvert jusqu'au {poll.closes:%d/%m/%Y}"


POLL = types.ContentType(
    "test_poll", Poll, "Consultation", "Consultations", "Nouvelle consultation",
    "Consultation modifiée", button="Répondre à la consultation",
    schema=f"{__name__}:PollSchema", council_item=True, alert_family="council",
    alert_category="document", folder="consultations", add_view="nouvelle-consultation",
    listing_when=closes_on, search_when=closes_on, where=lambda poll: "Quartier Montreynaud",
    feed_lead=lambda poll: f"Question : {poll.question}",
    alert_facts=lambda poll: [("Question", poll.question)])


@pytest.fixture
def poll_site():
    types.register(POLL)
    try:
        wsgi = make_app()
        ids = build_site(wsgi)
        with open_registry_root(wsgi.registry) as (root, tm):
            council = root.catalog.by_id(ids["council_A"])
            council.add("consultation", Poll(TITLE, council.id, "Faut-il des bancs ?",
                                             datetime.date(2031, 7, 14), visibility="public",
                                             description="<p>Les bancs du square.</p>"))
            tm.commit()
        yield wsgi, ids
    finally:
        types.unregister("test_poll")


def test_the_declared_kind_is_in_the_registry_and_leaves_with_unregister():
    types.register(POLL)
    try:
        assert types.get("test_poll") is POLL
        assert "test_poll" in types.council_kinds()
        assert "test_poll" in types.searchable_kinds()
        assert "test_poll" in types.alert_kinds()
        assert "test_poll" in types.publication_kinds()  # a council's item that is no event
        assert POLL.resolve_schema() is PollSchema
        with pytest.raises(ValueError):
            types.register(POLL)
    finally:
        types.unregister("test_poll")
    assert types.get("test_poll") is None
    assert "test_poll" not in types.council_kinds()


def test_a_declared_kind_gets_its_listing_row(poll_site):
    wsgi, ids = poll_site
    page = webtest.TestApp(wsgi).get(ids["path_A"])
    rows = [" ".join(li.get_text().split()) for li in page.html.select("li.item-row")]
    row = next(text for text in rows if TITLE in text)
    assert "Consultation" in row
    assert "Ouvert jusqu'au 14/07/2031" in row


def test_a_declared_kind_gets_its_alert_wording(poll_site):
    wsgi, ids = poll_site
    with open_registry_root(wsgi.registry) as (root, tm):
        poll = root.catalog.by_id(ids["council_A"])["consultation"]
        added = describe(root, poll, True, "https://conseils.example")
        changed = describe(root, poll, False, "https://conseils.example")
        tm.abort()
    assert added.subject == f"Nouvelle consultation : {TITLE}"
    assert changed.subject == f"Consultation modifiée : {TITLE}"
    assert added.button == "Répondre à la consultation"
    assert ("Question", "Faut-il des bancs ?") in added.facts
    assert added.sms.endswith(f"nouvelle consultation « {TITLE} »")


def test_a_declared_kind_gets_its_feed_entry(poll_site):
    wsgi, ids = poll_site
    feed = ET.fromstring(webtest.TestApp(wsgi).get(ids["path_A"] + "/flux.atom").body)
    entry = next(e for e in feed.findall(f"{A}entry") if e.findtext(f"{A}title") == TITLE)
    category = entry.find(f"{A}category")
    assert (category.get("term"), category.get("label")) == ("test_poll", "Consultation")
    assert entry.findtext(f"{A}summary") == "Question : Faut-il des bancs ? Les bancs du square."
    assert entry.find(f"{A}author/{A}name").text  # the council, as for every council item


def test_a_declared_kind_gets_its_search_facet_and_result(poll_site):
    wsgi, _ = poll_site
    page = webtest.TestApp(wsgi).get("/recherche", {"q": "square"})
    facets = [" ".join(li.get_text().split()) for li in page.html.select("nav.facets li")]
    assert "Consultations (1)" in facets
    result = next(li for li in page.html.select("ol.results li") if TITLE in li.get_text())
    text = " ".join(result.get_text().split())
    assert "Consultation" in text
    assert "Ouvert jusqu'au 14/07/2031" in text
    assert "Quartier Montreynaud" in text

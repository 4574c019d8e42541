"""A forum reply writes nothing on its topic, and the topic still moves up its rubrique.

Thirty people answering one topic at once all rewrote the topic (its reply counter and last
activity) and its entries in the catalog: only one of them could commit at a time. Now the
reply is its own key in the thread and the topic's record is left alone; the topic's place in
the rubrique follows in a short transaction right after the reply commits."""
import webtest

from conseils_site.resources.forum import Topic
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, sign_in

RUBRIQUE = "/forum/questions-et-entraide"


def titles_in_order(page):
    return sorted(("Sujet ancien", "Sujet récent"), key=page.text.index)


def test_a_reply_leaves_its_topic_record_alone_and_moves_it_up():
    wsgi = make_app()
    ids = build_site(wsgi)
    with open_registry_root(wsgi.registry) as (root, tm):
        section = root["forum"]["questions-et-entraide"]
        old = section.add_topic(Topic("Sujet ancien", "<p>Premier</p>", "Premier", ids["membre_a"]))
        tm.commit()
        tm.begin()
        section.add_topic(Topic("Sujet récent", "<p>Second</p>", "Second", ids["membre_a"]))
        tm.commit()
        old_path, old_serial = f"{RUBRIQUE}/{old.__name__}/", old._p_serial
    app = webtest.TestApp(wsgi)
    sign_in(app, "membre_b")
    assert titles_in_order(app.get(RUBRIQUE)) == ["Sujet récent", "Sujet ancien"]

    form = app.get(old_path + "@@repondre").forms["reponse"]
    form["text"] = "Je réponds au sujet ancien."
    answer = form.submit(status=303)
    assert "#message-1" in answer.location

    with open_registry_root(wsgi.registry) as (root, tm):
        topic = root["forum"]["questions-et-entraide"][old.__name__]
        assert topic._p_serial == old_serial  # the topic's own record was not written
        assert topic.last_number == 1 and topic["1"].source == "Je réponds au sujet ancien."
        assert ids["membre_b"] in topic.followers
    # The topic moved up: its catalog entries followed just after the commit.
    assert titles_in_order(app.get(RUBRIQUE)) == ["Sujet ancien", "Sujet récent"]
    # The reply is reached by its number, as before.
    assert "Je réponds au sujet ancien." in app.get(old_path + "1/@@modifier", status=200).text

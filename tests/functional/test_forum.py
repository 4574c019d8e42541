"""The forum as a councillor uses it: topics, replies, quotes, formatting, follow, edits,
deletions, reports, unread markers and pagination; every form with good and bad input, HTML and
scripts that never run, and forged CSRF tokens that change nothing.

The helpers at the top are shared with the other forum and group-space tests."""
import re

import pytest
import webtest
from pyramid.traversal import find_resource, resource_path

from conseils_site.resources.forum import Reply, Topic
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, csrf, sign_in

RUBRIQUE = "/forum/questions-et-entraide"
GROUP_FORUM = "/groupes/loire/forum"
SCRIPT = '<script>document.title="pirate"</script><img src=x onerror="alert(1)">'


def fresh_site():
    """A new site (councils A, B in the group « loire », C, and tests/support.py's accounts),
    for the `site` fixture of each forum and group-space test module."""
    wsgi = make_app()
    ids = build_site(wsgi)
    yield wsgi, ids
    wsgi.registry._zodb_databases[""].close()


site = pytest.fixture(fresh_site, name="site")


def client(wsgi, who=None):
    app = webtest.TestApp(wsgi)
    if who:
        sign_in(app, who)
    return app


def new_topic(app, section, title, text, status=None):
    page = app.get(section + "/@@nouveau-sujet")
    form = page.forms["sujet"]
    form["title"], form["text"] = title, text
    result = form.submit(status=status or "*")
    return result.follow() if result.status_int == 303 else result


def reply(app, topic_path, text, quote=None):
    url = topic_path + "@@repondre" + (f"?citer={quote}" if quote is not None else "")
    form = app.get(url).forms["reponse"]
    form["text"] = text
    result = form.submit(status="*")
    return result.follow() if result.status_int == 303 else result


def add_topic_db(wsgi, author_id, title="Sujet en base", replies=0, section=None, group=None,
                 text="<p>Texte du sujet.</p>"):
    """A topic (with `replies` replies by the same author) made directly in the database;
    returns its address (with the trailing slash Pyramid gives folders)."""
    with open_registry_root(wsgi.registry) as (root, tm):
        target = root.groups[group]["forum"] if group else root["forum"][section or "questions-et-entraide"]
        topic = target.add_topic(Topic(title, text, text, author_id))
        for n in range(replies):
            topic.add_reply(Reply(f"<p>Réponse numéro {n + 1}.</p>", f"Réponse numéro {n + 1}.", author_id))
        path = resource_path(topic) + "/"
        tm.commit()
    return path


def topic_of(wsgi, path):
    """Read a topic's state (title, texts, flags) from the database."""
    with open_registry_root(wsgi.registry) as (root, tm):
        topic = find_resource(root, path)
        replies = [topic.reply(n) for n in range(1, topic.last_number + 1)]
        return {"title": topic.title, "text": topic.text, "pinned": topic.pinned,
                "closed": topic.closed, "hidden": topic.hidden, "deleted": topic.deleted,
                "followers": set(topic.followers), "section": topic.__parent__.__name__,
                "replies": [(r.text, r.hidden, r.deleted, r.quote_number) for r in replies]}


def confirm_form(page):
    """The page's form with a « confirm » button (confirmation pages)."""
    return next(f for key, f in page.forms.items() if isinstance(key, int) and "confirm" in f.fields)


# --- Topics and replies ---------------------------------------------------------------------

def test_a_councillor_opens_a_topic_with_simple_formatting(site):
    wsgi, ids = site
    app = client(wsgi, "membre_a")
    page = new_topic(app, RUBRIQUE, "Comment organiser une marche exploratoire ?",
                     "Bonjour à **tous**,\n\nnous voulons :\n\n- un parcours\n- des habitants\n\n"
                     "Voir [le guide](https://exemple.fr/guide) ou https://exemple.fr/autre.")
    assert page.request.path.startswith(RUBRIQUE + "/comment-organiser")
    assert "Votre sujet est publié" in page.text
    text = page.html.select_one("#message-0 .message-text")
    assert text.select_one("strong").get_text() == "tous"
    assert [li.get_text() for li in text.select("ul li")] == ["un parcours", "des habitants"]
    links = text.select("a")
    assert [a["href"] for a in links] == ["https://exemple.fr/guide", "https://exemple.fr/autre"]
    assert all({"nofollow", "ugc"} <= set(a["rel"]) for a in links)
    assert "Message de Membre A" in page.text
    # The author follows their topic from the start.
    assert ids["membre_a"] in topic_of(wsgi, page.request.path)["followers"]
    listing = app.get(RUBRIQUE)
    assert "Comment organiser une marche exploratoire ?" in listing.text


def test_html_and_scripts_in_messages_never_run(site):
    wsgi, _ = site
    app = client(wsgi, "membre_a")
    page = new_topic(app, RUBRIQUE, 'Titre <b onmouseover="x()">gras</b>', "Avant " + SCRIPT +
                     "\n\n[clic](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a>")
    topic_path = page.request.path
    # Nothing active reaches the page: no script element, no event attribute, no javascript: link.
    main = page.html.select_one("main")
    assert not main.select("script") and not main.select("img")
    assert not any(attr.startswith("on") for el in main.find_all(True) for attr in el.attrs)
    assert not main.select('a[href^="javascript"]')
    assert "&lt;script&gt;" in page.text  # shown as the characters typed
    assert page.html.select_one("h1").get_text() == 'Titre <b onmouseover="x()">gras</b>'
    other = client(wsgi, "membre_b")
    answer = reply(other, topic_path, SCRIPT)
    assert not answer.html.select_one("main").select("script, img")
    stored = topic_of(wsgi, topic_path)
    assert "<script" not in stored["text"] and "<script" not in stored["replies"][0][0]
    assert "onerror" not in stored["replies"][0][0].replace("onerror=&quot;", "").split("&lt;")[0]


def test_bad_topic_and_reply_input_keeps_what_was_typed(site):
    wsgi, _ = site
    app = client(wsgi, "membre_a")
    page = new_topic(app, RUBRIQUE, "Abc", "Un texte gardé <tel quel>", status=400)
    assert "Le titre doit faire au moins 5 caractères." in page.text
    assert page.forms["sujet"]["text"].value == "Un texte gardé <tel quel>"
    assert page.forms["sujet"]["title"].value == "Abc"
    page = new_topic(app, RUBRIQUE, "Un titre correct", "   ", status=400)
    assert "Écrivez votre message." in page.text
    page = new_topic(app, RUBRIQUE, "Un titre correct", "x" * 20001, status=400)
    assert "Le message est trop long" in page.text
    page = new_topic(app, RUBRIQUE, "Un titre correct", "<b> </b>", status=400)
    assert "Le message est vide" in page.text
    assert page.forms["sujet"]["title"].value == "Un titre correct"
    topic = add_topic_db(wsgi, None, "Sujet pour répondre")
    answer = reply(app, topic, "")
    assert answer.status_int == 400 and "Écrivez votre message." in answer.text
    assert not topic_of(wsgi, topic)["replies"]


def test_forged_csrf_changes_nothing(site):
    wsgi, ids = site
    app = client(wsgi, "membre_a")
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet protégé", replies=1)
    before = topic_of(wsgi, topic)
    forged = {"csrf_token": "forged", "__formid__": "reponse", "text": "Intrus", "quote": ""}
    assert "Formulaire expiré" in app.post(topic + "@@repondre", forged, status=400).text
    app.post(RUBRIQUE + "/@@nouveau-sujet", {"csrf_token": "forged", "__formid__": "sujet",
                                             "title": "Sujet forgé", "text": "x"}, status=400)
    app.post(topic + "@@modifier", {"csrf_token": "forged", "__formid__": "modification",
                                    "title": "Volé", "text": "Volé"}, status=400)
    app.post(topic + "1/@@supprimer", {"csrf_token": "forged"}, status=400)
    app.post(topic + "@@suivre", {"csrf_token": "forged", "action": "ne-plus-suivre"}, status=400)
    app.post(topic + "1/@@signaler", {"csrf_token": "forged", "__formid__": "signalement",
                                      "reason": "Pas bien du tout"}, status=400)
    app.post(RUBRIQUE + "/@@tout-lu", {}, status=400)
    assert topic_of(wsgi, topic) == before
    assert "Sujet forgé" not in app.get(RUBRIQUE).text
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len(root["forum"].reports) == 0


def test_quote_a_message_and_reply(site):
    wsgi, ids = site
    a, b = client(wsgi, "membre_a"), client(wsgi, "membre_b")
    topic = new_topic(a, RUBRIQUE, "Qui a un modèle de charte ?", "Je cherche une charte.").request.path
    page = b.get(topic)
    quote_link = page.html.select_one("#message-0 .message-actions a[href*=citer]")
    form_page = b.get(quote_link["href"])
    assert "Vous citez le message de Membre A" in " ".join(form_page.html.select_one("main").get_text().split())
    form = form_page.forms["reponse"]
    form["text"] = "Voici la nôtre."
    page = form.submit().follow()
    assert page.request.path == topic
    quote = page.html.select_one("#message-1 blockquote.quote")
    assert "En réponse à Membre A" in quote.get_text() and "Je cherche une charte." in quote.get_text()
    assert topic_of(wsgi, topic)["replies"][0][3] == 0
    # A made-up quote number is ignored rather than trusted.
    reply(b, topic, "Sans citation", quote=99)
    assert topic_of(wsgi, topic)["replies"][1][3] is None


def test_edit_own_message_shows_it_was_edited(site):
    wsgi, ids = site
    a = client(wsgi, "membre_a")
    topic = new_topic(a, RUBRIQUE, "Premier titre du sujet", "Premier **texte**").request.path
    form = a.get(topic + "@@modifier").forms["modification"]
    assert form["text"].value == "Premier **texte**"  # as typed, marks included
    form["title"], form["text"] = "x", ""
    bad = form.submit(status=400)
    assert "Le titre doit faire au moins 5 caractères." in bad.text and "Écrivez votre message." in bad.text
    form = bad.forms["modification"]
    form["title"], form["text"] = "Titre corrigé du sujet", "Texte corrigé"
    page = form.submit().follow()
    assert page.html.select_one("h1").get_text() == "Titre corrigé du sujet"
    assert "modifié le" in page.html.select_one("#message-0").get_text()
    assert "par la modération" not in page.text
    # Others may neither edit nor delete it.
    b = client(wsgi, "membre_b")
    b.get(topic + "@@modifier", status=403)
    b.get(topic + "@@supprimer", status=403)
    b.post(topic + "@@modifier", {"csrf_token": csrf(b), "__formid__": "modification",
                                  "title": "Volé par B", "text": "Volé"}, status=403)
    assert topic_of(wsgi, topic)["title"] == "Titre corrigé du sujet"
    assert not b.get(topic).html.select('#message-0 a[href$="@@modifier"]')


def test_delete_reply_keeps_its_place_and_a_lone_topic_goes_away(site):
    wsgi, ids = site
    a, b = client(wsgi, "membre_a"), client(wsgi, "membre_b")
    topic = new_topic(a, RUBRIQUE, "Un sujet qui aura des réponses", "Question ?").request.path
    reply(b, topic, "Une réponse mot-unique-zqeffacee")
    reply(a, topic, "Merci !")
    confirm = b.get(topic + "1/@@supprimer")
    assert "Supprimer ce message ?" in confirm.text
    page = confirm_form(confirm).submit().follow()
    assert "message supprimé par son auteur" in page.html.select_one("#message-1").get_text()
    assert "zqeffacee" not in page.text
    assert "Merci !" in page.html.select_one("#message-2").get_text()
    assert not a.get("/recherche?q=zqeffacee").html.select("ol.results li")
    # A topic without replies is removed whole.
    lone = new_topic(a, RUBRIQUE, "Un sujet sans réponse", "Seul.").request.path
    page = confirm_form(a.get(lone + "@@supprimer")).submit().follow()
    assert page.request.path == RUBRIQUE + "/"
    a.get(lone, status=404)


def test_follow_and_unfollow(site):
    wsgi, ids = site
    b = client(wsgi, "membre_b")
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet à suivre")
    page = b.get(topic)
    assert "Suivre ce sujet" in page.text
    page = b.post(topic + "@@suivre", {"csrf_token": csrf(b), "action": "suivre"}).follow()
    assert "Ne plus suivre ce sujet" in page.text
    assert ids["membre_b"] in topic_of(wsgi, topic)["followers"]
    b.post(topic + "@@suivre", {"csrf_token": csrf(b), "action": "ne-plus-suivre"})
    assert ids["membre_b"] not in topic_of(wsgi, topic)["followers"]
    # Replying follows the topic (until one unfollows).
    reply(b, topic, "Je réponds donc je suis.")
    assert ids["membre_b"] in topic_of(wsgi, topic)["followers"]


def test_report_a_message(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet à signaler", replies=1)
    c = client(wsgi, "membre_c")
    page = c.get(topic + "1/@@signaler")
    form = page.forms["signalement"]
    form["reason"] = "abc"
    bad = form.submit(status=400)
    assert "5 caractères au moins" in bad.text and bad.forms["signalement"]["reason"].value == "abc"
    form = bad.forms["signalement"]
    form["reason"] = "Propos <b>insultants</b> envers un voisin"
    page = form.submit().follow()
    assert "votre signalement est transmis" in page.text
    # A second report by the same person is not queued twice.
    form = c.get(topic + "1/@@signaler").forms["signalement"]
    form["reason"] = "Encore une fois"
    form.submit()
    with open_registry_root(wsgi.registry) as (root, tm):
        reports = list(root["forum"].reports.values())
        assert len(reports) == 1 and reports[0].reporter_id == ids["membre_c"]
        assert root["forum"].pending_count() == 1
    # One's own message has no « Signaler ».
    a = client(wsgi, "membre_a")
    assert not a.get(topic).html.select('a[href$="@@signaler"]')


# --- Unread markers and pagination -----------------------------------------------------------

def unread_badges(app, path=RUBRIQUE):
    return {row.select_one(".topic-title a").get_text(): row.select_one(".unread .badge").get_text()
            for row in app.get(path).html.select(".topic-row") if row.select_one(".unread")}


def test_unread_markers_and_jump_to_first_unread(site):
    wsgi, ids = site
    a, b = client(wsgi, "membre_a"), client(wsgi, "membre_b")
    topic = add_topic_db(wsgi, ids["membre_b"], "Sujet long", replies=45)
    assert unread_badges(a) == {"Sujet long": "Nouveau"}
    first = a.get(topic)  # page 1: the first message and replies 1 to 20
    assert [m["id"] for m in first.html.select("article.message")][:2] == ["message-0", "message-1"]
    assert len(first.html.select("article.message")) == 21
    assert unread_badges(a) == {"Sujet long": "25 réponses non lues"}
    row = next(r for r in a.get(RUBRIQUE).html.select(".topic-row"))
    jump = row.select_one(".unread a")["href"]
    assert jump == topic + "?page=2#message-21"
    page = a.get(jump.split("#")[0])
    assert page.html.select_one("#message-21") is not None
    assert "Nouveau" in page.html.select_one("#message-21 .message-header").get_text()
    a.get(topic + "?page=3")
    assert unread_badges(a) == {}
    # New replies by someone else: marked again, jump straight to the first new one.
    reply(b, topic, "Quarante-six")
    reply(b, topic, "Quarante-sept")
    assert unread_badges(a) == {"Sujet long": "2 réponses non lues"}
    page = a.get(topic)
    assert page.html.select_one("a.button[href$='#message-46']") is not None
    # The reader's positions are on the forum, not on the user object.
    with open_registry_root(wsgi.registry) as (root, tm):
        forum = root["forum"]
        topic_obj = forum["questions-et-entraide"]["sujet-long"]
        assert forum.last_read(ids["membre_a"], topic_obj) == 45  # page 1 again moved nothing
        assert not hasattr(root.users[ids["membre_a"]], "read_marks")


def test_mark_all_read(site):
    wsgi, ids = site
    add_topic_db(wsgi, ids["membre_b"], "Premier sujet non lu", replies=2)
    add_topic_db(wsgi, ids["membre_b"], "Second sujet non lu")
    a = client(wsgi, "membre_a")
    assert len(unread_badges(a)) == 2
    a.post(RUBRIQUE + "/@@tout-lu", {"csrf_token": csrf(a)})
    assert unread_badges(a) == {}


def test_topics_paginate_newest_activity_first(site):
    wsgi, ids = site
    for n in range(23):
        add_topic_db(wsgi, ids["membre_b"], f"Sujet numéro {n:02d}")
    a = client(wsgi, "membre_a")
    first = a.get(RUBRIQUE)
    titles = [el.get_text() for el in first.html.select(".topic-title a")]
    assert len(titles) == 20 and titles[0] == "Sujet numéro 22" and titles[-1] == "Sujet numéro 03"
    assert "Page 1 sur 2" in first.text
    second = a.get(RUBRIQUE + "?page=2")
    assert [el.get_text() for el in second.html.select(".topic-title a")] == [
        "Sujet numéro 02", "Sujet numéro 01", "Sujet numéro 00"]
    # A reply brings an old topic back to the top.
    reply(a, RUBRIQUE + "/sujet-numero-00/", "Je relance")
    assert a.get(RUBRIQUE).html.select_one(".topic-title a").get_text() == "Sujet numéro 00"
    assert a.get(RUBRIQUE + "?page=99").status_int == 200  # out of range: the last page


def test_closed_topic_takes_no_reply(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet bientôt fermé", replies=1)
    with open_registry_root(wsgi.registry) as (root, tm):
        root["forum"]["questions-et-entraide"]["sujet-bientot-ferme"].closed = True
        tm.commit()
    a = client(wsgi, "membre_a")
    page = a.get(topic)
    assert "Ce sujet est fermé" in page.text and "reponse" not in page.forms
    a.get(topic + "@@repondre", status=403)
    a.post(topic + "@@repondre", {"csrf_token": csrf(a), "__formid__": "reponse", "text": "Tard"},
           status=403)
    a.get(topic + "@@modifier", status=403)  # authors no longer edit in a closed topic
    assert len(topic_of(wsgi, topic)["replies"]) == 1


def test_reply_address_leads_to_its_place(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet avec adresse", replies=25)
    a = client(wsgi, "membre_a")
    assert a.get(topic + "23/").location.endswith(topic + "?page=2#message-23")
    assert a.get(topic + "3/").location.endswith(topic + "#message-3")


def test_forum_home_lists_rubriques_and_my_group_forums(site):
    wsgi, ids = site
    add_topic_db(wsgi, ids["membre_b"], "Sujet récent dans l'entraide")
    a = client(wsgi, "membre_a")
    home = a.get("/forum")
    assert [h.get_text() for h in home.html.select(".category-row h3")] == [
        "Questions et entraide", "Partage d'expériences", "Vie de la plate-forme"]
    assert "Sujet récent dans l'entraide" in home.text
    assert "Forum du groupe « Loire »" in home.text
    assert "Signalements" not in home.text and "Gérer les rubriques" not in home.text
    c = client(wsgi, "membre_c")
    assert "Forum du groupe" not in c.get("/forum").text
    assert re.search(r"Signalements à traiter \(0\)", client(wsgi, "animateur").get("/forum").text)

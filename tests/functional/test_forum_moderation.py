"""Moderation by the animators: the reports' queue (hide or keep), hide and restore, edit, pin,
close and move topics, the rubriques; each action in the audit log, none open to councillors."""
import pytest

from conseils_site.scripts import open_registry_root
from tests.functional.test_forum import (
    RUBRIQUE,
    add_topic_db,
    client,
    confirm_form,
    fresh_site,
    topic_of,
)
from tests.support import csrf

HIDDEN = "message masqué par la modération"
site = pytest.fixture(fresh_site, name="site")


def audit_actions(wsgi, count):
    with open_registry_root(wsgi.registry) as (root, tm):
        return [(e["action"], e["actor"]["name"], e["target"]) for e in root.audit.newest(count)]


def report(app, message_path, reason="Propos insultants envers un voisin"):
    form = app.get(message_path + "@@signaler").forms["signalement"]
    form["reason"] = reason
    return form.submit().follow()


def queue_form(page, decision, index=0):
    forms = [f for key, f in page.forms.items() if isinstance(key, int) and "report" in f.fields]
    form = forms[index]
    return form, decision


def test_report_then_hide_from_the_queue(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet houleux", replies=2)
    with open_registry_root(wsgi.registry) as (root, tm):
        reply_obj = root["forum"]["questions-et-entraide"]["sujet-houleux"].reply(2)
        reply_obj.text = reply_obj.source = "<p>Texte insultant zqinsulte.</p>"
        from conseils_site.resources.events import ObjectModified, notify
        notify(ObjectModified(reply_obj))
        tm.commit()
    c = client(wsgi, "membre_c")
    assert c.get("/recherche?q=zqinsulte").html.select("ol.results li")
    report(c, topic + "2/")
    form = c.get(topic + "@@repondre?citer=2").forms["reponse"]
    form["text"] = "Je cite pour répondre."
    form.submit()
    animator = client(wsgi, "animateur")
    queue = animator.get("/forum/@@signalements")
    assert "Propos insultants envers un voisin" in queue.text and "zqinsulte" in queue.text
    assert "Signalé par Membre C" in queue.text
    form, _ = queue_form(queue, "masquer")
    after = form.submit("decision", value="masquer").follow()
    assert "Le message est masqué" in after.text and "Aucun signalement à traiter." in after.text
    # Everyone now reads the placeholder; the words leave the search index.
    page = c.get(topic)
    assert HIDDEN in page.html.select_one("#message-2").get_text()
    assert "zqinsulte" not in page.text
    assert HIDDEN in page.html.select_one("#message-3 blockquote.quote").get_text()  # quotes too
    assert not c.get("/recherche?q=zqinsulte").html.select("ol.results li")
    # The animator still sees the text, marked, and can restore it.
    page = animator.get(topic)
    assert "zqinsulte" in page.html.select_one("#message-2").get_text()
    assert "seuls les animateurs voient encore ce texte" in page.text
    # The author cannot edit it back into view.
    client(wsgi, "membre_a").get(topic + "2/@@modifier", status=403)
    actions = audit_actions(wsgi, 1)
    assert actions[0][0] == "forum : masquage" and actions[0][1] == "Animateur X"
    assert actions[0][2].endswith("/sujet-houleux/2/")
    animator.post(topic + "2/@@moderer", {"csrf_token": csrf(animator), "action": "retablir"})
    assert "zqinsulte" in c.get(topic).text
    assert c.get("/recherche?q=zqinsulte").html.select("ol.results li")
    assert audit_actions(wsgi, 1)[0][0] == "forum : rétablissement"
    with open_registry_root(wsgi.registry) as (root, tm):
        done = list(root["forum"].reports.values())
        assert [r.state for r in done] == ["hidden"] and done[0].decided_by == ids["animateur"]


def test_report_then_keep(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet calme", replies=1)
    report(client(wsgi, "membre_c"), topic + "1/", "Je ne suis pas d'accord")
    animator = client(wsgi, "animateur")
    form, _ = queue_form(animator.get("/forum/@@signalements"), "garder")
    after = form.submit("decision", value="garder").follow()
    assert "Le message est gardé" in after.text
    assert "Derniers signalements traités" in after.text and "message gardé" in after.text
    assert HIDDEN not in client(wsgi, "membre_c").get(topic).text
    assert audit_actions(wsgi, 1)[0][0] == "forum : signalement écarté"


def test_direct_hide_and_the_hidden_opening_message(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet à masquer", text="<p>Ouverture zqouverture</p>")
    animator = client(wsgi, "animateur")
    page = animator.get(topic)
    form = next(f for key, f in page.forms.items() if isinstance(key, int)
                and f.action.endswith("/@@moderer"))
    form.submit("action", value="masquer")
    b = client(wsgi, "membre_b")
    page = b.get(topic)
    assert HIDDEN in page.html.select_one("#message-0").get_text()
    assert "zqouverture" not in page.text
    found = b.get("/recherche?q=sujet masquer").html.select("ol.results li")
    assert found and "zqouverture" not in found[0].get_text() and HIDDEN in found[0].get_text()


def test_animator_edits_pins_closes_and_moves(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet à modérer", replies=1)
    add_topic_db(wsgi, ids["membre_b"], "Sujet plus récent")
    animator = client(wsgi, "animateur")
    # Edit someone else's message: shown as edited by the moderation, and logged.
    form = animator.get(topic + "1/@@modifier").forms["modification"]
    form["text"] = "Texte corrigé par la modération"
    page = form.submit().follow()
    assert "par la modération" in page.html.select_one("#message-1").get_text()
    assert audit_actions(wsgi, 1)[0][0] == "forum : modification"
    # Pin: first in its rubrique although older.
    animator.post(topic + "@@moderer-sujet", {"csrf_token": csrf(animator), "action": "epingler"})
    a = client(wsgi, "membre_a")
    first = a.get(RUBRIQUE).html.select(".topic-row")[0]
    assert first.select_one(".topic-title a").get_text() == "Sujet à modérer"
    assert "Épinglé" in first.get_text()
    # Close: no more replies.
    animator.post(topic + "@@moderer-sujet", {"csrf_token": csrf(animator), "action": "fermer"})
    assert "Ce sujet est fermé" in a.get(topic).text
    a.get(topic + "@@repondre", status=403)
    # Move to another rubrique: same address under the new rubrique, nothing lost.
    move = animator.get(topic + "@@deplacer")
    bad = animator.post(topic + "@@deplacer", {"csrf_token": csrf(animator), "rubrique": "nulle-part"},
                        status=400)
    assert "Choisissez la rubrique" in bad.text
    form = move.forms[next(k for k, f in move.forms.items() if isinstance(k, int) and "rubrique" in f.fields)]
    form["rubrique"] = "partage-d-experiences"
    moved = form.submit().follow()
    assert moved.request.path == "/forum/partage-d-experiences/sujet-a-moderer/"
    assert "Texte corrigé par la modération" in moved.text
    assert "Sujet à modérer" not in a.get(RUBRIQUE).text
    assert "Sujet à modérer" in a.get("/forum/partage-d-experiences").text
    assert a.get("/recherche?q=corrige moderation").html.select_one("ol.results a")["href"].startswith(
        "/forum/partage-d-experiences/sujet-a-moderer/")
    assert [x[0] for x in audit_actions(wsgi, 3)] == [
        "forum : déplacement", "forum : fermeture", "forum : épinglage"]
    # Reopen and unpin.
    moved_path = "/forum/partage-d-experiences/sujet-a-moderer/"
    animator.post(moved_path + "@@moderer-sujet", {"csrf_token": csrf(animator), "action": "rouvrir"})
    animator.post(moved_path + "@@moderer-sujet", {"csrf_token": csrf(animator), "action": "desepingler"})
    state = topic_of(wsgi, moved_path)
    assert not state["closed"] and not state["pinned"] and state["section"] == "partage-d-experiences"


def test_group_topics_cannot_be_moved_out_of_their_group(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet du groupe", group="loire")
    animator = client(wsgi, "animateur")
    assert "Déplacer" not in animator.get(topic).text
    animator.get(topic + "@@deplacer", status=404)
    animator.post(topic + "@@deplacer", {"csrf_token": csrf(animator), "rubrique": "questions-et-entraide"},
                  status=404)


def test_animator_deletes_a_message_and_it_is_logged(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_a"], "Sujet avec un message de trop", replies=2)
    animator = client(wsgi, "animateur")
    confirm_form(animator.get(topic + "1/@@supprimer")).submit()
    assert topic_of(wsgi, topic)["replies"][0][2] is True
    page = client(wsgi, "membre_b").get(topic)
    assert "message supprimé par la modération" in page.html.select_one("#message-1").get_text()
    assert audit_actions(wsgi, 1)[0][0] == "forum : suppression"


@pytest.mark.parametrize("who", [None, "membre_a", "membre_c"])
def test_councillors_cannot_moderate(site, who):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_b"], "Sujet protégé", replies=1)
    app = client(wsgi, who)
    token = csrf(app)
    refused = 404 if who is None else 403  # the forum is hidden from visitors: as missing
    app.get("/forum/@@signalements", status=refused)
    app.get("/forum/@@rubriques", status=refused)
    app.post("/forum/@@signalements", {"csrf_token": token, "report": "x", "decision": "masquer"},
             status=refused)
    app.post(topic + "1/@@moderer", {"csrf_token": token, "action": "masquer"}, status=refused)
    app.post(topic + "@@moderer-sujet", {"csrf_token": token, "action": "epingler"}, status=refused)
    app.post(topic + "@@moderer-sujet", {"csrf_token": token, "action": "fermer"}, status=refused)
    app.get(topic + "@@deplacer", status=refused)
    app.post(topic + "@@deplacer", {"csrf_token": token, "rubrique": "partage-d-experiences"},
             status=refused)
    app.get(RUBRIQUE + "/@@modifier", status=refused)
    state = topic_of(wsgi, topic)
    assert not (state["pinned"] or state["closed"] or state["replies"][0][1])
    assert state["section"] == "questions-et-entraide"
    if who:
        page = app.get(topic)
        assert "Modération du sujet" not in page.text and "Masquer" not in page.text


def test_moderation_forms_refuse_forged_csrf(site):
    wsgi, ids = site
    topic = add_topic_db(wsgi, ids["membre_b"], "Sujet visé", replies=1)
    animator = client(wsgi, "animateur")
    for path, data in ((topic + "1/@@moderer", {"action": "masquer"}),
                       (topic + "@@moderer-sujet", {"action": "epingler"}),
                       (topic + "@@deplacer", {"rubrique": "partage-d-experiences"}),
                       ("/forum/@@rubriques", {"__formid__": "rubrique", "title": "Forgée",
                                               "description": "", "order": "5"})):
        animator.post(path, dict(data, csrf_token="forged"), status=400)
    state = topic_of(wsgi, topic)
    assert not (state["pinned"] or state["replies"][0][1]) and state["section"] == "questions-et-entraide"
    assert "Forgée" not in animator.get("/forum").text


def test_rubriques_are_created_ordered_edited_and_deleted(site):
    wsgi, ids = site
    animator = client(wsgi, "animateur")
    page = animator.get("/forum/@@rubriques")
    form = page.forms["rubrique"]
    assert form["order"].value == "40"
    form["title"], form["description"], form["order"] = "a", "<b>desc</b>", "abc"
    bad = form.submit(status=400)
    assert "Le nom doit faire au moins 3 caractères." in bad.text
    assert "n'est pas un nombre" in bad.text
    assert bad.forms["rubrique"]["description"].value == "<b>desc</b>"
    form = bad.forms["rubrique"]
    form["title"], form["description"], form["order"] = "Rubrique <i>neuve</i>", "Pour tester <b>ici</b>", "5"
    page = form.submit().follow()
    home = client(wsgi, "membre_a").get("/forum")
    titles = [h.get_text() for h in home.html.select(".category-row h3")]
    assert titles[0] == "Rubrique <i>neuve</i>"  # first by its order, shown as typed, not as HTML
    assert "<b>ici</b>" not in home.text and "&lt;b&gt;ici&lt;/b&gt;" in home.text
    edit = animator.get("/forum/rubrique-i-neuve-i/@@modifier")
    form = edit.forms["rubrique"]
    form["title"], form["order"] = "Rubrique renommée", "50"
    form.submit().follow()
    assert "Rubrique renommée" in animator.get("/forum").text
    # An empty rubrique can be deleted; one with topics cannot.
    edit = animator.get("/forum/rubrique-i-neuve-i/@@modifier")
    delete = next(f for k, f in edit.forms.items() if isinstance(k, int) and "supprimer" in f.fields)
    delete.submit("supprimer", value="oui").follow()
    assert "Rubrique renommée" not in animator.get("/forum").text
    assert "supprimer" not in str(animator.get(RUBRIQUE + "/@@modifier").forms)
    add_topic_db(wsgi, ids["membre_a"], "Sujet qui retient sa rubrique")
    animator.post(RUBRIQUE + "/@@modifier", {"csrf_token": csrf(animator), "supprimer": "oui"}, status=400)
    assert [x[0] for x in audit_actions(wsgi, 3)] == [
        "forum : suppression de rubrique", "forum : modification de rubrique",
        "forum : création de rubrique"]

"""Two councillors of different councils of one working group discuss in the group's forum, on
phones; a councillor of a council outside the group cannot reach the discussion. axe-core checks
the forum and group pages on the way (360 px, no horizontal scrolling).

A fresh site is served for this module: councils A « Tilleuls » and B « Montreynaud » in the
group « Loire », council C outside it, and the accounts of tests/support.py."""
import re
import threading

import pytest

from tests.browser.conftest import MOBILE, new_page
from tests.browser.test_workspace_journey import (
    assert_refused,
    field,
    flash_text,
    layout_problems,
    main_text,
    screenshot,
    sign_in,
)
from tests.conftest import make_app
from tests.support import build_site, email_of

TOPIC = "Une fête des voisins commune aux deux quartiers ?"
QUESTION = "Nous pensons au samedi 20 juin. Qui serait partant ?"
ANSWER = "Montreynaud est partant, on apporte les tables."


@pytest.fixture(scope="module")
def forum_site(tmp_path_factory):
    import waitress

    tmp = tmp_path_factory.mktemp("forum-journey")
    app = make_app(**{"zodbconn.uri": f"file://{tmp}/Data.fs",
                      "mail.queue_path": str(tmp / "mail"),
                      "conseils.upload_path": str(tmp / "uploads")})
    build_site(app)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-forum-journey", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)
        app.registry._zodb_databases[""].close()


def test_two_councils_discuss_in_their_group_forum(browser, forum_site):
    url = forum_site
    problems = []
    a_context, a = new_page(browser, MOBILE)
    b_context, b = new_page(browser, MOBILE)
    c_context, c = new_page(browser, MOBILE)
    try:
        # Membre A (Tilleuls) opens a topic from the group's page.
        sign_in(a, url, email_of("membre_a"))
        a.goto(f"{url}/groupes/loire")
        a.wait_for_selector("#carte[data-loaded]")  # carte.js, with the group's own GeoJSON
        assert a.locator("#carte").get_attribute("data-loaded") == "2"
        assert "L'espace du groupe" in main_text(a)
        problems += layout_problems(a, "the group page (member)")
        screenshot(a, "group-page-360.png")
        a.get_by_role("link", name="Créer un sujet de discussion").click()
        a.wait_for_url(re.compile(r"/groupes/loire/forum/@@nouveau-sujet"))
        with a.expect_navigation():
            a.get_by_role("button", name="Publier le sujet").click()  # empty: refused, in French
        assert "Indiquez un titre." in main_text(a) and "Écrivez votre message." in main_text(a)
        problems += layout_problems(a, "the new topic form with its errors")
        field(a, "Titre du sujet").fill(TOPIC)
        text = field(a, "Message")
        text.fill(QUESTION + "\n\n")
        # The formatting bar writes the marks for those who do not know them.
        text.press("End")
        a.get_by_role("toolbar", name="Mise en forme du message").get_by_role("button", name="Gras").click()
        a.keyboard.type("Réponse avant vendredi")
        with a.expect_navigation():
            a.get_by_role("button", name="Publier le sujet").click()
        assert "Votre sujet est publié" in flash_text(a)
        assert a.locator("#message-0 strong").inner_text() == "Réponse avant vendredi"
        topic_url = a.url.split("#")[0]

        # Membre B (Montreynaud) finds it from « Forum », marked new, and replies.
        sign_in(b, url, email_of("membre_b"))
        b.get_by_role("navigation", name="Espace conseiller").get_by_role("link", name="Forum").click()
        b.wait_for_url(re.compile(r"/forum/?$"))
        problems += layout_problems(b, "the forum's home")
        b.get_by_role("link", name="Forum du groupe « Loire »").click()
        row = b.locator(".topic-row", has_text=TOPIC)
        assert "Nouveau" in row.inner_text()
        problems += layout_problems(b, "the group's forum")
        screenshot(b, "group-forum-360.png")
        row.get_by_role("link", name=TOPIC, exact=True).click()
        assert QUESTION in main_text(b)
        field(b, "Votre réponse").fill(ANSWER)
        with b.expect_navigation():
            b.get_by_role("button", name="Publier la réponse").click()
        assert "Votre réponse est publiée" in flash_text(b)
        assert ANSWER in b.locator("#message-1").inner_text()
        problems += layout_problems(b, "a topic with its reply form")
        screenshot(b, "forum-topic-360.png")

        # A sees one unread reply and jumps to it.
        a.goto(f"{url}/groupes/loire/forum")
        row = a.locator(".topic-row", has_text=TOPIC)
        assert "1 réponse non lue" in row.inner_text()
        row.get_by_role("link", name=re.compile("Aller au premier message non lu")).click()
        a.wait_for_url(re.compile(r"#message-1$"))
        assert ANSWER in a.locator("#message-1").inner_text()
        assert "Nouveau" in a.locator("#message-1 .message-header").inner_text()
        assert "Nouveau" not in a.locator("#message-0 .message-header").inner_text()  # one's own

        # Membre C (Francs-Moisins, outside the group) cannot reach the discussion.
        sign_in(c, url, email_of("membre_c"))
        c.goto(f"{url}/forum")
        assert "Forum du groupe" not in main_text(c)
        assert_refused(c, f"{url}/groupes/loire/forum", "membre_c")
        assert_refused(c, topic_url, "membre_c")
        c.goto(f"{url}/groupes/loire")
        assert "L'espace du groupe" not in main_text(c) and TOPIC not in main_text(c)
        problems += layout_problems(c, "the group page (outside councillor)")
        c.goto(f"{url}/recherche?q=voisins")
        assert TOPIC not in main_text(c)
    finally:
        for context in (a_context, b_context, c_context):
            context.close()
    assert not problems, "\n".join(problems)


def test_a_report_reaches_the_animators_who_hide_the_message(browser, forum_site):
    url = forum_site
    problems = []
    contexts = []
    try:
        pages = {}
        for who in ("membre_c", "membre_a", "animateur"):
            context, page = new_page(browser, MOBILE)
            contexts.append(context)
            sign_in(page, url, email_of(who))
            pages[who] = page
        c, a, animator = pages["membre_c"], pages["membre_a"], pages["animateur"]
        # C opens a topic in « Questions et entraide ».
        c.goto(f"{url}/forum")
        c.get_by_role("link", name="Questions et entraide").click()
        c.get_by_role("link", name="Créer un sujet de discussion").click()
        field(c, "Titre du sujet").fill("Vends des vélos pas chers")
        field(c, "Message").fill("Publicité : <script>alert('vélos')</script> https://exemple.fr/velos")
        with c.expect_navigation():
            c.get_by_role("button", name="Publier le sujet").click()
        topic_url = c.url.split("#")[0]
        assert "<script>alert('vélos')</script>" in c.locator("#message-0").inner_text()  # as text
        # A reports it.
        a.goto(topic_url)
        a.get_by_role("link", name="Signaler le message de Membre C").click()
        problems += layout_problems(a, "the report form")
        field(a, "Pourquoi signalez-vous ce message").fill("Publicité sans rapport avec les conseils")
        with a.expect_navigation():
            a.get_by_role("button", name="Envoyer le signalement").click()
        assert "votre signalement est transmis" in flash_text(a)
        # The animator finds it in the queue and hides the message.
        animator.goto(f"{url}/forum")
        assert "Signalements à traiter (1)" in main_text(animator)
        problems += layout_problems(animator, "the forum's home (animator)")
        animator.get_by_role("link", name="Signalements à traiter (1)").click()
        assert "Publicité sans rapport avec les conseils" in main_text(animator)
        problems += layout_problems(animator, "the reports' queue")
        with animator.expect_navigation():
            animator.get_by_role("button", name="Masquer le message").click()
        assert "Aucun signalement à traiter." in main_text(animator)
        animator.goto(topic_url)
        problems += layout_problems(animator, "a topic with the moderation tools")
        animator.goto(f"{url}/forum/@@rubriques")
        problems += layout_problems(animator, "the rubriques")
        c.goto(topic_url)
        assert "message masqué par la modération" in c.locator("#message-0").inner_text()
        assert "exemple.fr/velos" not in main_text(c)
    finally:
        for context in contexts:
            context.close()
    assert not problems, "\n".join(problems)

"""Two councillors of one council type into the same collaborative document at the same time, in
two browsers; both end with the same text holding everything both typed; a third opens it later
and sees it; an edit made while offline is merged when the connection comes back; a councillor of
another council gets no editor. No script error and no CSP refusal on the way; axe on the editor.
"""
import itertools
import re
import threading

import pytest

from conseils_site.resources.content import Document
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password
from tests.browser.conftest import DESKTOP, MOBILE, axe_violations, format_violations, new_page
from tests.browser.test_workspace_journey import sign_in
from tests.conftest import make_app
from tests.support import PASSWORD, build_site, email_of

SYNC_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def collab_site(tmp_path_factory):
    import waitress

    tmp = tmp_path_factory.mktemp("collab-journey")
    app = make_app(**{"zodbconn.uri": f"fsblobs://{tmp}/Data.fs?blobstorage_dir={tmp}/blobs",
                      "mail.queue_path": str(tmp / "mail")})
    ids = build_site(app)
    with open_registry_root(app.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        second = User(email_of("autre_a"), "Autre", "A", hash_password(PASSWORD), state="active",
                      council_ids=[council.id])
        root.users.add_user(second)
        council.add("charte", Document("Charte du conseil", council.id, author_id=ids["membre_a"],
                                       mode="collaboratif", body="<p>Préambule.</p>"))
        tm.commit()
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=6)
    thread = threading.Thread(target=server.run, name="waitress-collab-journey", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", ids
    finally:
        server.close()
        thread.join(timeout=5)
        app.registry._zodb_databases[""].close()


def watch_problems(page, problems):
    page.on("pageerror", lambda error: problems.append(f"exception {error}"))
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "net::ERR_INTERNET_DISCONNECTED" not in m.text
            and not m.text.startswith("Failed to load resource") else None)


def open_editor(browser, base, ids, who, viewport=DESKTOP):
    context, page = new_page(browser, viewport)
    sign_in(page, base, email_of(who))
    page.goto(base + ids["path_A"] + "/charte")
    editor = page.locator(".collab-surface")
    editor.wait_for()
    return context, page, editor


TEXT = """() => {
  const copy = document.querySelector('.collab-surface').cloneNode(true);
  copy.querySelectorAll('.collab-cursor').forEach((cursor) => cursor.remove());
  return copy.textContent;
}"""


def editor_text(page):
    """The text, without the other editors' cursors and their names."""
    return page.evaluate(TEXT)


def wait_for_text(page, predicate, arg):
    page.wait_for_function(f"(arg) => ({predicate})(({TEXT})(), arg)", arg=arg, timeout=SYNC_TIMEOUT_MS)


def wait_until_saved(page):
    page.wait_for_function("() => document.getElementById('collab').collab.pending() === 0",
                           timeout=SYNC_TIMEOUT_MS)


def test_two_councillors_type_at_once_and_a_third_reads_later(browser, collab_site):
    base, ids = collab_site
    problems = []
    ctx_a, alice, editor_a = open_editor(browser, base, ids, "membre_a")
    ctx_b, bob, editor_b = open_editor(browser, base, ids, "autre_a", MOBILE)
    for page in (alice, bob):
        watch_problems(page, problems)
    # Both see each other as present, with the server's names.
    alice.wait_for_function("() => document.getElementById('collab-editors').textContent.includes('Autre A')",
                            timeout=SYNC_TIMEOUT_MS)
    bob.wait_for_function("() => document.getElementById('collab-editors').textContent.includes('Membre A')",
                          timeout=SYNC_TIMEOUT_MS)
    editor_a.click()
    editor_b.click()
    # Typing at the same moment, key by key: Alice at the end of the text, Bruno at its start.
    alice.keyboard.press("Control+End")
    bob.keyboard.press("Control+Home")
    for a, b in itertools.zip_longest(" Alice écrit ceci.", "Bruno ajoute cela. ", fillvalue=""):
        alice.keyboard.type(a)
        bob.keyboard.type(b)
    for page in (alice, bob):
        wait_until_saved(page)
    expected = ["Préambule.", "Alice écrit ceci.", "Bruno ajoute cela."]
    for page in (alice, bob):
        wait_for_text(page, "(text, words) => words.every((w) => text.includes(w))", expected)
    wait_for_text(alice, "(text, other) => text === other", editor_text(bob))
    assert editor_text(alice) == editor_text(bob)
    # Another member's cursor is drawn with their name, coloured by a class (no style attribute).
    assert alice.locator(".collab-cursor-label", has_text="Autre A").count() == 1
    violations = axe_violations(alice)
    assert not violations, format_violations(violations)

    # Offline: what Alice types is kept in the page and merged when the connection returns.
    ctx_a.set_offline(True)
    editor_a.click()
    alice.keyboard.press("Control+End")
    alice.keyboard.type(" Écrit sans réseau.")
    alice.wait_for_selector(".collab-status-error", timeout=SYNC_TIMEOUT_MS)
    assert "gardé dans la page" in alice.locator("#collab-status").inner_text()
    ctx_a.set_offline(False)
    alice.evaluate("() => document.getElementById('collab').collab.round()")
    wait_until_saved(alice)
    wait_for_text(bob, "(text, words) => text.includes(words)", "Écrit sans réseau.")
    final = editor_text(bob)
    ctx_a.close()
    ctx_b.close()

    # A third member opens it later and sees all of it.
    ctx_c, carol, _ = open_editor(browser, base, ids, "animateur")
    wait_for_text(carol, "(text, other) => text === other", final)
    assert all(words in final for words in expected + ["Écrit sans réseau."])
    ctx_c.close()
    assert not problems, "\n".join(problems)


def test_a_councillor_of_another_council_gets_no_editor(browser, collab_site):
    base, ids = collab_site
    context, page = new_page(browser, MOBILE)
    sign_in(page, base, email_of("membre_c"))
    response = page.goto(base + ids["path_A"] + "/charte")
    assert response.status >= 400 and "Préambule" not in page.content()  # 403, or the 404 rule
    assert page.locator("#collab").count() == 0 and page.locator(".collab-surface").count() == 0
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json'},
                                             body: JSON.stringify({client: 1, sv: ''})})).status""",
        base + ids["path_A"] + "/charte/@@sync")
    assert status >= 400  # no CSRF token to give, and no right to edit anyway
    context.close()


FORMAT_AS_RECEIVED = """(href) => {
  const { ydoc, fragment } = document.getElementById('collab').collab;
  const words = fragment.get(0).get(0);
  ydoc.transact(() => words.format(0, 4, { link: { href, title: null } }), 'server');
}"""


def test_links_keep_http_and_mailto_only_in_the_editor(browser, collab_site):
    base, ids = collab_site
    problems, messages = [], []
    context, page, editor = open_editor(browser, base, ids, "membre_a")
    watch_problems(page, problems)
    wait_until_saved(page)

    def answer(dialog):
        messages.append(dialog.message)
        dialog.accept("javascript:alert(1)") if dialog.type == "prompt" else dialog.accept()

    page.on("dialog", answer)
    editor.locator("p").first.dblclick()  # selects a word
    selected = page.evaluate("() => window.getSelection().toString()")
    page.get_by_role("button", name="Lien", exact=True).click()
    assert any("Seules les adresses" in m for m in messages), (selected, messages)
    assert editor.locator("a").count() == 0
    # A link that reaches the page with another address is shown as its words.
    page.evaluate(FORMAT_AS_RECEIVED, "javascript:alert(document.cookie)")
    assert "Préambule" in editor_text(page) and editor.locator("a").count() == 0
    page.evaluate(FORMAT_AS_RECEIVED, "https://exemple.fr")
    editor.locator('a[href="https://exemple.fr"]').wait_for()
    assert not problems, "\n".join(problems)
    context.close()

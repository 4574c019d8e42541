"""One answer for hidden and missing (issue #14, item 4): names are slugs of titles, so a 403
for a hidden item and a 404 for a missing one would confirm that « Plainte contre M. X » exists.

A signed-in person without `view` on an object gets the very 404 of a missing name (pages,
files, `@@` views, calendars); a visitor who is not signed in gets, for both, a 404 page that
says the page may be reserved to councillors, with the sign-in form that comes back to the page.
Refusing another permission on an object one may view stays a 403."""
import datetime
import re

import pytest
import webtest

from conseils_site.resources.content import Event
from conseils_site.views.cache import MARK
from tests.functional.test_collab import collaborative
from tests.functional.test_content import (  # noqa: F401 (the fixture)
    PDF,
    add_item,
    classic,
    site,
)
from tests.support import PASSWORD, email_of, signed_in

SECRET = "Plainte contre M. X"
RESERVED = "Cette page n'existe pas ou elle est réservée aux conseillers"
CSRF_FIELD = re.compile(r'name="csrf_token" value="[^"]*"')


def hidden_and_missing(wsgi, ids):
    """Addresses below a `conseil` document (with a file), a `conseil` event and a `conseil`
    collaborative document of council A, each beside the same address below a name of the same
    length that does not exist."""
    document = add_item(wsgi, ids, classic(ids, title=SECRET), files=[("piece.pdf", PDF, "pdf")])
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    event = add_item(wsgi, ids, lambda c: Event(f"{SECRET} (réunion)", c.id, start, start,
                                                author_id=ids["membre_a"]))
    shared = add_item(wsgi, ids, collaborative(ids, title=f"{SECRET} (texte)"))

    def missing(path):
        folder, name = path.rsplit("/", 1)
        return f"{folder}/{'z' * len(name)}"

    return [(item + tail, missing(item) + tail)
            for item, tail in ((document, "/"), (document, "/piece.pdf"), (document, "/@@modifier"),
                               (document, "/@@supprimer"), (event, "/@@agenda.ics"), (shared, "/"),
                               (shared, "/@@historique"))]


def comparable(response, path):
    """The answer with the requested path (and the session's CSRF token) taken out."""
    headers = sorted((k, v) for k, v in response.headerlist if k not in ("Date", "Set-Cookie"))
    body = response.text.replace(path, "<PATH>").replace(path.replace("@", "%40"), "<PATH>")
    body = body.replace(path.replace("/", "%2F").replace("@", "%40"), "<PATH>")
    return response.status, headers, CSRF_FIELD.sub("csrf", body)


@pytest.mark.parametrize("who", ["membre_c", "membre_b"])
def test_a_signed_in_person_gets_the_same_404_for_hidden_and_missing(site, who):
    wsgi, ids = site
    pairs = hidden_and_missing(wsgi, ids)
    app = signed_in(wsgi, who)
    assert "Connecté : " in app.get("/").text
    for hidden, missing in pairs:
        first = app.get(hidden, status="*")
        second = app.get(missing, status="*")
        assert first.status_int == 404, hidden
        assert SECRET not in first.text and PDF not in first.body
        assert comparable(first, hidden) == comparable(second, missing), hidden
        assert len(first.body) - len(second.body) == 0, hidden


def test_a_visitor_gets_one_404_with_the_sign_in_form_and_comes_back_after_signing_in(site):
    wsgi, ids = site
    pairs = hidden_and_missing(wsgi, ids)
    visitor = webtest.TestApp(wsgi)
    visitor.get("/connexion")  # a session already: no answer below sets a new cookie
    for hidden, missing in pairs:
        first = visitor.get(hidden, status="*")
        second = visitor.get(missing, status="*")
        assert first.status_int == 404, hidden
        assert RESERVED in first.text and SECRET not in first.text and PDF not in first.body
        assert comparable(first, hidden) == comparable(second, missing), hidden
        assert len(first.body) == len(second.body), hidden
    page = visitor.get(pairs[0][0], status=404)
    form = page.forms["connexion"]
    form["email"], form["password"] = email_of("membre_a"), PASSWORD
    back = form.submit(status=303)
    assert back.location.endswith(pairs[0][0])
    assert SECRET in back.follow().text


def test_a_fresh_visitor_gets_its_own_form_and_no_404_is_kept_by_the_anonymous_cache(site):
    """Each visitor's 404 carries their own session (the sign-in form's CSRF token): it is never
    kept and replayed, and the member who may see the page then gets it."""
    wsgi, ids = site
    hidden = hidden_and_missing(wsgi, ids)[0][0]
    answers = [webtest.TestApp(wsgi).get(hidden, status=404) for _ in range(2)]
    tokens = [a.forms["connexion"]["csrf_token"].value for a in answers]
    assert tokens[0] != tokens[1]
    assert all(MARK not in a.headers and "no-store" in a.headers["Cache-Control"] for a in answers)
    assert not any(entry[0].startswith("404") for entry in wsgi.entries.values())
    assert SECRET in signed_in(wsgi, "membre_a").get(hidden).text


def test_refusing_another_permission_on_a_visible_item_stays_a_403(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids, title="Affiche publique", visibility="public"))
    app = signed_in(wsgi, "membre_c")
    assert "Connecté : " in app.get("/").text
    app.get(path + "/@@modifier", status=403)
    app.get(path + "/@@supprimer", status=403)
    page = webtest.TestApp(wsgi).get(path + "/@@modifier", status=403)
    form = page.forms["connexion"]  # a visitor may sign in from the refusal, and comes back
    form["email"], form["password"] = email_of("membre_a"), PASSWORD
    assert form.submit(status=303).location.endswith(path + "/@@modifier")


def test_signing_in_from_a_404_never_leaves_the_site(site):
    """The form comes back to the requested path only if it is a path of this site."""
    wsgi, ids = site
    visitor = webtest.TestApp(wsgi)
    page = visitor.get("/x", extra_environ={"PATH_INFO": "//evil.example/x"}, status=404)
    form = page.forms["connexion"]
    assert "came_from=%2F%2Fevil.example%2Fx" in form.action
    form["email"], form["password"] = email_of("membre_a"), PASSWORD
    back = form.submit(status=303)
    assert "evil.example" not in back.location and back.location.endswith("/gerer")

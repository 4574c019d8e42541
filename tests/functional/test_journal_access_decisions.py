"""The journal records every access decision (#21.7): registrations accepted or refused (who,
whom, which council, the message), roles granted and revoked with the person's address; the
animators filter it by person, as actor or as the one concerned, and export it as CSV whose
cells a spreadsheet cannot run (#21.8)."""
import csv
import io
from urllib.parse import quote

import pytest
import webtest

from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, csrf, email_of, signed_in


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    return wsgi, build_site(wsgi)


def decide(app, ids, name, decision, message):
    """Post a decision; the answer sends back to the queue it came from."""
    return app.post("/decider", {"user_id": ids[name], "decision": decision, "message": message,
                                 "csrf_token": csrf(app), "back": "/"}, status=303)


def newest(wsgi, n=1):
    with open_registry_root(wsgi.registry) as (root, tm):
        return root.audit.newest(n)


def test_an_accepted_registration_is_journaled(site):
    wsgi, ids = site
    app = signed_in(wsgi, "animateur")
    decide(app, ids, "candidat_a", "accepter", "Bienvenue au conseil !")
    [entry] = newest(wsgi)
    assert entry["action"] == "inscription acceptée"
    assert entry["actor"]["id"] == ids["animateur"]
    assert entry["subject"]["id"] == ids["candidat_a"]
    assert email_of("candidat_a") in entry["detail"]
    assert "Conseil des Tilleuls (A)" in entry["detail"]
    assert "« Bienvenue au conseil ! »" in entry["detail"]
    assert entry["target"].rstrip("/") == ids["path_A"]
    page = app.get("/admin/journal")
    assert "inscription acceptée" in page.text and "Bienvenue au conseil !" in page.text
    # Each name leads to that person's entries.
    assert page.click(href="personne=candidat.a%40exemple.fr").status_int == 200


def test_a_peer_refusal_is_journaled_once(site):
    wsgi, ids = site
    peer = signed_in(wsgi, "membre_a")
    decide(peer, ids, "candidat_a", "refuser", "Nous ne vous connaissons pas.")
    [entry] = newest(wsgi)
    assert entry["action"] == "inscription refusée"
    assert entry["actor"]["id"] == ids["membre_a"] and entry["subject"]["id"] == ids["candidat_a"]
    assert "Nous ne vous connaissons pas." in entry["detail"]
    with open_registry_root(wsgi.registry) as (root, tm):
        count = len(root.audit)
    animator = signed_in(wsgi, "animateur")  # a second decision on a decided request
    decide(animator, ids, "candidat_a", "accepter", "")
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len(root.audit) == count
        assert root.users[ids["candidat_a"]].state == "refused"


def test_a_revoked_role_names_the_person_with_their_address(site):
    wsgi, ids = site
    app = signed_in(wsgi, "animateur")
    token = csrf(app)
    app.post(ids["path_A"] + "/@@partage", {"action": "attribuer", "role": "referent",
                                            "email": email_of("membre_c"), "csrf_token": token})
    app.post(ids["path_A"] + "/@@partage", {"action": "retirer", "role": "referent",
                                            "user_id": ids["membre_c"], "csrf_token": token})
    revoked, granted = newest(wsgi, 2)
    assert granted["action"] == "attribution" and revoked["action"] == "retrait"
    assert f"({email_of('membre_c')})" in granted["detail"]
    assert f"({email_of('membre_c')})" in revoked["detail"]


def test_the_journal_is_filtered_by_person_as_actor_or_concerned(site):
    wsgi, ids = site
    animator = signed_in(wsgi, "animateur")
    peer = signed_in(wsgi, "membre_a")
    decide(peer, ids, "candidat_a", "accepter", "Bienvenue !")
    token = csrf(animator)
    animator.post(ids["path_B"] + "/@@partage", {"action": "attribuer", "role": "referent",
                                                 "email": email_of("membre_b"), "csrf_token": token})
    everything = animator.get("/admin/journal")
    assert "inscription acceptée" in everything.text and "attribution" in everything.text
    as_concerned = animator.get("/admin/journal?personne=" + quote(email_of("candidat_a")))
    assert "inscription acceptée" in as_concerned.text and "attribution" not in as_concerned.text
    assert f'value="{email_of("candidat_a")}"' in as_concerned.text  # the filter keeps what was typed
    as_actor = animator.get("/admin/journal?personne=" + quote(email_of("membre_a").upper()))
    assert "inscription acceptée" in as_actor.text and "attribution" not in as_actor.text
    granted = animator.get("/admin/journal?personne=" + quote(email_of("membre_b")))
    assert "attribution" in granted.text and "inscription acceptée" not in granted.text
    nobody = animator.get("/admin/journal?personne=personne%40nulle-part.example")
    assert "Aucune entrée du journal ne concerne" in nobody.text
    assert "inscription acceptée" not in nobody.text


def test_the_journal_exports_as_safe_csv(site):
    wsgi, ids = site
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users[ids["candidat_a"]].first_name = "=HYPERLINK(\"http://x.example\")"
        tm.commit()
    animator = signed_in(wsgi, "animateur")
    decide(animator, ids, "candidat_a", "refuser", "-1 place")
    response = animator.get("/admin/journal.csv?personne=" + quote(email_of("candidat_a")))
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert len(rows) == 1
    row = rows[0]
    assert row["action"] == "inscription refusée"
    assert row["qui"] == "Animateur X" or row["courriel"] == email_of("animateur")
    assert row["concerne"].startswith("'=HYPERLINK")  # neutralised: a spreadsheet shows it as text
    assert row["détail"].startswith("'=HYPERLINK")
    assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


@pytest.mark.parametrize("who", [None, "membre_a", "referent"])
def test_only_animators_read_the_journal_and_its_export(site, who):
    wsgi, ids = site
    animator = signed_in(wsgi, "animateur")
    decide(animator, ids, "candidat_a", "accepter", "Message privé aux animateurs")
    if who == "referent":  # a référent validates registrations, yet reads no journal
        animator.post(ids["path_A"] + "/@@partage", {"action": "attribuer", "role": "referent",
                                                     "email": email_of("membre_a"),
                                                     "csrf_token": csrf(animator)}, status=303)
    app = signed_in(wsgi, "membre_a") if who else webtest.TestApp(wsgi)
    for path in ("/admin/journal", "/admin/journal.csv",
                 "/admin/journal.csv?personne=" + quote(email_of("candidat_a"))):
        response = app.get(path, expect_errors=True)
        assert response.status_int >= 400, (who, path)
        assert "Message privé aux animateurs" not in response.text
        assert "inscription acceptée" not in response.text


def test_disabling_and_enabling_an_account_are_found_by_person(site):
    from conseils_site.accounts import disable_account, enable_account

    wsgi, ids = site
    with open_registry_root(wsgi.registry) as (root, tm):
        animator, member = root.users[ids["animateur"]], root.users[ids["membre_b"]]
        assert disable_account(root, member, animator) and enable_account(root, member, animator)
        tm.commit()
    app = signed_in(wsgi, "animateur")
    page = app.get("/admin/journal?personne=" + quote(email_of("membre_b")))
    assert "désactivation de compte" in page.text and "réactivation de compte" in page.text
    other = app.get("/admin/journal?personne=" + quote(email_of("membre_a")))
    assert "désactivation de compte" not in other.text
    rows = list(csv.DictReader(io.StringIO(
        app.get("/admin/journal.csv?personne=" + quote(email_of("membre_b"))).body.decode())))
    assert [r["action"] for r in rows] == ["réactivation de compte", "désactivation de compte"]

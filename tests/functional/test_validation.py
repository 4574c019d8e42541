"""The validation queues, the decision endpoint, and the 48-hour reminders."""
import datetime

import pytest
import webtest

from conseils_site.scripts import open_registry_root
from conseils_site.scripts.registrations import main as registrations_main
from tests.conftest import make_app
from tests.support import build_site, csrf, email_of, sign_in
from tests.support_mail import queued, text_of


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


def test_animator_queue_lists_pending_requests_and_accepts(site):
    wsgi, ids, mail_dir = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.get("/admin/inscriptions")
    assert "Candidat" in page.text and email_of("candidat_a") in page.text
    assert "Nouveau" not in page.text  # unverified: not in the queue yet
    form = next(f for f in page.forms.values() if f.get("user_id", default=None) is not None)
    form["message"] = "Bienvenue au conseil !"
    result = form.submit("decision", value="accepter").follow()
    assert "est acceptée" in result.text
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users[ids["candidat_a"]]
        assert user.state == "active" and user.decided_by == ids["animateur"]
    mails = [m for m in queued(mail_dir) if email_of("candidat_a") in m["To"]]
    assert len(mails) == 1 and "Bienvenue au conseil !" in text_of(mails[0])
    assert "Candidat" not in app.get("/admin/inscriptions").text


def test_peer_of_the_same_council_validates_from_the_dashboard(site):
    wsgi, ids, mail_dir = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "membre_a")
    dashboard = app.get("/gerer").follow()
    assert "Inscriptions à valider" in dashboard.text and "Candidat" in dashboard.text
    form = next(f for f in dashboard.forms.values() if f.get("user_id", default=None) is not None)
    result = form.submit("decision", value="refuser").follow()
    assert "est refusée" in result.text
    assert result.request.path.endswith("/@@tableau-de-bord")
    with open_registry_root(wsgi.registry) as (root, tm):
        assert root.users[ids["candidat_a"]].state == "refused"


@pytest.mark.parametrize("who", ["membre_b", "membre_c"])
def test_members_of_other_councils_cannot_validate(site, who):
    wsgi, ids, _ = site
    app = webtest.TestApp(wsgi)
    sign_in(app, who)
    token = csrf(app)
    app.post("/decider", {"user_id": ids["candidat_a"], "decision": "accepter", "csrf_token": token},
             status=403)
    with open_registry_root(wsgi.registry) as (root, tm):
        assert root.users[ids["candidat_a"]].state == "pending"
    app.get("/admin/inscriptions", status=404)  # the admin area is hidden from them (#14.4)
    app.get(ids["path_A"] + "/@@tableau-de-bord", status=403)


def test_decision_without_csrf_token_is_refused_and_changes_nothing(site):
    wsgi, ids, mail_dir = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.post("/decider", {"user_id": ids["candidat_a"], "decision": "accepter",
                                 "csrf_token": "forgé"}, status=400)
    assert "Formulaire expiré" in page.text
    with open_registry_root(wsgi.registry) as (root, tm):
        assert root.users[ids["candidat_a"]].state == "pending"
    assert not [m for m in queued(mail_dir) if email_of("candidat_a") in m["To"]]


def test_overdue_requests_come_first_in_a_warning_colour(site):
    wsgi, ids, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        from conseils_site.resources.users import User
        late = User("tard@exemple.fr", "Tardif", "X", "h", state="pending",
                    council_ids=[ids["council_A"]])
        root.users.add_user(late)
        late.confirmed_at = late.created = late.created - datetime.timedelta(hours=60)
        from conseils_site.resources.events import ObjectModified, notify
        notify(ObjectModified(late))
        tm.commit()
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    text = app.get("/admin/inscriptions").text
    assert text.index("Tardif") < text.index("Candidat")
    assert 'class="overdue"' in text and "en retard" in text


def test_reminders_go_once_to_peers_after_24h_and_to_animators_after_36h(site, tmp_path, capsys):
    wsgi, ids, mail_dir = site

    def age(hours):
        with open_registry_root(wsgi.registry) as (root, tm):
            user = root.users[ids["candidat_a"]]
            user.confirmed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=hours)
            tm.commit()

    from conseils_site.scripts.registrations import remind

    def run():
        with open_registry_root(wsgi.registry) as (root, tm):
            result = remind(root, wsgi.registry.settings, tm, "http://site.example")
            tm.commit()
            return result

    age(10)
    assert run() == (0, 0)
    age(25)
    assert run() == (1, 0)  # membre_a, the only active member of council A
    assert run() == (0, 0)  # nothing twice
    age(40)
    assert run() == (0, 2)  # the two animators: the first one, created at startup, and ours
    assert run() == (0, 0)
    mails = queued(mail_dir)
    assert sorted(m["To"] for m in mails) == sorted(
        [email_of("membre_a"), email_of("animateur"), "animateur@example.org"])
    peer_mail = next(m for m in mails if m["To"] == email_of("membre_a"))
    assert "Candidat" in peer_mail["Subject"] and "@@tableau-de-bord" in text_of(peer_mail)
    assert "http://site.example/admin/inscriptions" in text_of(
        next(m for m in mails if m["To"] == email_of("animateur")))


def test_registrations_script_runs_on_a_real_database(tmp_path, capsys):
    ini = tmp_path / "app.ini"
    ini.write_text(f"""
[app:main]
use = egg:conseils_site
zodbconn.uri = file://{tmp_path}/Data.fs
conseils.session_secret = s
conseils.load_demo = false
conseils.admin_password = un-mot-de-passe-long
mail.queue_path = {tmp_path}/mail
""")
    assert registrations_main([str(ini)]) == 0
    assert registrations_main([str(ini)]) == 0
    assert "Relances envoyées : 0 aux validateurs des conseils, 0 aux animateurs." in capsys.readouterr().out


def test_old_failed_sign_in_records_are_forgotten():
    from conseils_site.security.throttle import purge_failures, record_failure, wait_seconds

    class Root:
        pass

    root = Root()
    for _ in range(5):
        record_failure(root, "a@exemple.fr", "10.0.0.1", now=1000.0)
    assert wait_seconds(root, "a@exemple.fr", "10.0.0.2", now=1001.0) > 0
    record_failure(root, "b@exemple.fr", "10.0.0.3", now=1000.0 + 3600)
    # an address's record is forgotten after an hour, an account's and a pair's after a day
    assert purge_failures(root, now=1000.0 + 3600) == 1  # a's address
    assert purge_failures(root, now=1000.0 + 24 * 3600) == 3  # a's account and pair, b's address
    assert len(root.login_failures) == 2
    assert purge_failures(root, now=1000.0 + 3600 + 24 * 3600) == 2

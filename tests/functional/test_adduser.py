"""conseils-adduser on a real FileStorage: the password from stdin, never from the arguments."""
import io

import pytest

from conseils_site.importer import import_councils
from conseils_site.scripts import adduser, open_site
from conseils_site.scripts.adduser import main
from conseils_site.security.passwords import check_password

INI = """
[app:main]
use = egg:conseils_site
zodbconn.uri = fsblobs://{here}/Data.fs?blobstorage_dir={here}/blobs
conseils.session_secret = test
conseils.load_demo = false
conseils.admin_email = animateur@example.org
conseils.admin_password = mot-de-passe-animateur
mail.queue_path = {here}/mail
"""
PASSWORD = "une longue phrase de passe"


class Pipe(io.StringIO):
    """Standard input from a pipe or a file."""

    def isatty(self):
        return False


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def ini(tmp_path):
    path = tmp_path / "test.ini"
    path.write_text(INI.format(here=tmp_path))
    with open_site(str(path)) as (root, tm):
        import_councils(root, b"code,nom,commune,latitude,longitude\n"
                              b"QN042001,Conseil citoyen Montreynaud,42218,45.45,4.42\n")
        tm.commit()
    return str(path)


def run(ini, *args, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    code = main([ini, *args], stdin=stdin or Pipe(PASSWORD + "\n"), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def account(ini, email):
    with open_site(ini) as (root, tm):
        user = root.users.find_by_email(email)
        if user is None:
            return None
        councils = [root.catalog.by_id(i).code for i in user.council_ids]
        return {"state": user.state, "roles": user.roles, "councils": councils,
                "name": user.title, "hash": user.password_hash,
                "indexed": root.catalog.by_id(user.id) is not None}


def test_creates_an_active_animator_with_the_password_from_stdin(ini):
    code, out, err = run(ini, "Lea.Martin@Exemple.fr", "--role", "animateur",
                         "--first-name", "Léa", "--last-name", "Martin")
    assert code == 0, err
    assert "Compte créé et validé : lea.martin@exemple.fr (animateur)" in out
    user = account(ini, "lea.martin@exemple.fr")
    assert user["state"] == "active" and user["roles"] == ("animateur",)
    assert user["name"] == "Léa Martin" and user["indexed"]
    assert check_password(user["hash"], PASSWORD)
    assert PASSWORD not in out + err


def test_councillor_joins_the_council_given_by_code(ini):
    code, out, _ = run(ini, "sam@exemple.fr", "--role", "conseiller", "--council", "QN042001")
    assert code == 0
    assert "Conseil citoyen Montreynaud" in out
    user = account(ini, "sam@exemple.fr")
    assert user["councils"] == ["QN042001"] and user["roles"] == () and user["state"] == "active"


def test_refuses_an_existing_email_whatever_its_case(ini):
    assert run(ini, "sam@exemple.fr", "--role", "conseiller")[0] == 0
    code, _, err = run(ini, "SAM@exemple.fr", "--role", "animateur")
    assert code == 1
    assert "Un compte existe déjà avec l'adresse sam@exemple.fr" in err
    assert account(ini, "sam@exemple.fr")["roles"] == ()


def test_refuses_an_unknown_council_code(ini):
    code, _, err = run(ini, "sam@exemple.fr", "--role", "conseiller", "--council", "NOPE")
    assert code == 1 and "Aucun conseil n'a le code « NOPE »" in err
    assert account(ini, "sam@exemple.fr") is None


@pytest.mark.parametrize("password, message", [
    ("court", "au moins 10 caractères"),
    ("azertyuiop", "fait partie des plus utilisés"),
    ("sam.dupont@exemple.fr-2024", "ne doit pas contenir votre adresse"),
])
def test_refuses_a_weak_password(ini, password, message):
    code, _, err = run(ini, "sam.dupont@exemple.fr", "--role", "conseiller",
                       stdin=Pipe(password + "\n"))
    assert code == 1
    assert "Mot de passe refusé" in err and message in err
    assert account(ini, "sam.dupont@exemple.fr") is None


def test_password_is_never_an_argument(ini, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([ini, "sam@exemple.fr", "--role", "conseiller", "--password", PASSWORD],
             stdin=Pipe(PASSWORD + "\n"))
    assert exit_.value.code == 2
    assert account(ini, "sam@exemple.fr") is None


def test_role_is_required_and_checked(ini, capsys):
    with pytest.raises(SystemExit):
        main([ini, "sam@exemple.fr", "--role", "admin"], stdin=Pipe(PASSWORD + "\n"))


def test_terminal_asks_twice_and_refuses_a_mismatch(ini, monkeypatch):
    typed = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr(adduser.getpass, "getpass", lambda prompt, stream=None: next(typed))
    code, _, err = run(ini, "sam@exemple.fr", "--role", "conseiller", stdin=Terminal())
    assert code == 1 and "Les deux mots de passe tapés sont différents" in err
    assert account(ini, "sam@exemple.fr") is None
    typed = iter([PASSWORD, PASSWORD])
    code, _, _ = run(ini, "sam@exemple.fr", "--role", "conseiller", stdin=Terminal())
    assert code == 0 and account(ini, "sam@exemple.fr")["state"] == "active"


def test_invalid_email_is_refused(ini):
    code, _, err = run(ini, "pas-une-adresse", "--role", "conseiller")
    assert code == 1 and "Adresse électronique invalide" in err

"""Passwords judged by a strength estimate (zxcvbn) that knows the person and the site, and
refused with reasons in French; the one rule serves every form and conseils-adduser."""
import io

import pytest

from conseils_site.scripts.adduser import main as adduser
from conseils_site.security.passwords import (
    FEEDBACK,
    PASSWORD_COMMON,
    PASSWORD_TOO_EASY,
    password_problems,
    site_words,
)

ENGLISH = ("guess", "Avoid", "password", "words", "Add ")


class Pipe(io.StringIO):
    def isatty(self):
        return False


def french_only(problems):
    return problems and not any(word in p for p in problems for word in ENGLISH)


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "conseil2026", "azertyuiop",
                                      "motdepasse123", "quartier2026!", "Citoyen2026",
                                      "conseilscitoyens", "abcdefghijkl"])
def test_weak_passwords_are_refused_in_french(password):
    problems = password_problems(password)
    assert problems[0].startswith(PASSWORD_TOO_EASY) or problems == [PASSWORD_COMMON]
    assert french_only(problems), problems


def test_repeats_and_sequences_say_why():
    assert any("répétition" in p for p in password_problems("aaaaaaaaaa"))
    assert any("suite" in p for p in password_problems("abcdefghijkl"))


@pytest.mark.parametrize("password", ["une phrase de passe solide",
                                      "trois pommes vertes au marché",
                                      "le chat dort sur le toit"])
def test_good_passphrases_pass(password):
    assert password_problems(password, "camille.durand@exemple.fr",
                             ["Camille", "Durand"], commune="Saint-Denis") == []


def test_the_commune_and_the_site_words_count():
    assert password_problems("Saint-Denis-2026x") == []  # strong enough for a stranger
    assert password_problems("saintdenis2026", commune="") == []
    problems = password_problems("saintdenis2026", commune="Saint-Denis")
    assert problems and "commune" in problems[0]
    for password in ("quartiercitoyen", "conseil citoyen 2026"):  # the site's words
        assert "un mot du site" in password_problems(password)[0]


def test_site_words_hold_the_year_and_the_usual_words():
    words = site_words()
    assert {"conseil", "citoyen", "quartier"} <= set(words)
    assert any(word.isdigit() and len(word) == 4 for word in words)


def test_every_zxcvbn_sentence_has_a_french_one():
    """zxcvbn's feedback is English (gettext without a French catalogue): each of its sentences,
    read from its source, is in the table."""
    import ast
    import inspect

    from zxcvbn import feedback
    english = {node.args[0].value for node in ast.walk(ast.parse(inspect.getsource(feedback)))
               if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"}
    assert len(english) > 20
    assert english <= set(FEEDBACK), english - set(FEEDBACK)


def test_a_password_too_long_for_the_estimate_is_judged_on_its_start():
    assert password_problems("le chat dort sur le toit " * 10) == []


def test_adduser_refuses_a_weak_password():
    err = io.StringIO()
    code = adduser(["absent.ini", "marie@exemple.fr", "--role", "conseiller"],
                   stdin=Pipe("conseil2026\n"), out=io.StringIO(), err=err)
    assert code == 1
    assert "Mot de passe refusé" in err.getvalue() and "conseil" in err.getvalue()

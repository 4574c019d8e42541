"""Chameleon's compiled templates are kept for the test session (tests/conftest.py): a new app
loads what an earlier one compiled. A test about compiling itself asks for `cold_templates` and
gets production's behaviour, every new app compiling its templates on first use."""
import chameleon.template
import pytest
import webtest

from tests.conftest import make_app


@pytest.fixture
def compilations(monkeypatch):
    """The templates compiled from now on."""
    compiled = []
    original = chameleon.template.BaseTemplate._compile

    def counting(self, *args, **kwargs):
        compiled.append(self.filename)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(chameleon.template.BaseTemplate, "_compile", counting)
    return compiled


def first_page(app):
    assert webtest.TestApp(app).get("/connexion").status_int == 200


def test_a_new_app_loads_the_templates_an_earlier_one_compiled(compilations):
    first_page(make_app())
    compilations.clear()
    first_page(make_app())
    assert compilations == []


def test_cold_templates_are_compiled_again_by_each_new_app(cold_templates, compilations):
    first_page(make_app())
    compiled_by_the_first = list(compilations)
    compilations.clear()
    first_page(make_app())
    assert compiled_by_the_first and sorted(compilations) == sorted(compiled_by_the_first)

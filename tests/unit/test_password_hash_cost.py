"""Argon2's cost: the shipped sites hash at the strong parameters; only the tests' own settings
ask for the cheapest ones (docs/testing.md)."""
import configparser
from pathlib import Path

import argon2
import pytest
from argon2 import extract_parameters

from conseils_site.security import passwords
from tests.conftest import BASE_SETTINGS, make_app

REPO = Path(__file__).resolve().parents[2]
INI_FILES = ["development.ini", "production.ini", "production-zeo.ini", "production-relstorage.ini"]


def app_settings(name):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / name)
    return dict(parser["app:main"])


def test_the_strong_parameters_are_rfc_9106s_at_64_mib_and_three_passes():
    strong = passwords.hasher_for({})
    assert strong.time_cost >= 3 and strong.memory_cost >= 64 * 1024 and strong.parallelism >= 4
    assert extract_parameters(strong.hash("x")) == argon2.profiles.RFC_9106_LOW_MEMORY


@pytest.mark.parametrize("name", INI_FILES)
def test_no_shipped_ini_file_asks_for_the_fast_hashes(name):
    settings = app_settings(name)
    assert "conseils.password_hash" not in settings
    assert passwords.hasher_for(settings).time_cost == passwords.STRONG.time_cost


def test_only_the_tests_settings_ask_for_the_cheapest_hashes():
    assert BASE_SETTINGS["conseils.password_hash"] == "fast"
    assert extract_parameters(passwords.hasher_for(BASE_SETTINGS).hash("x")) == argon2.profiles.CHEAPEST


def test_a_site_hashes_with_its_own_settings_cost(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", passwords._hasher)  # restored after the test
    make_app(conseils__password_hash="strong")
    assert extract_parameters(passwords.hash_password("x")) == passwords.STRONG
    fast_hash = passwords.hash_password("x")
    make_app()
    assert extract_parameters(passwords.hash_password("x")) == passwords.FAST
    # A hash made at the other cost still checks, and is made again at this one at sign-in.
    assert passwords.check_password(fast_hash, "x") and passwords.needs_rehash(fast_hash)


def test_an_unknown_cost_is_refused_at_start():
    with pytest.raises(ValueError, match="conseils.password_hash"):
        passwords.hasher_for({"conseils.password_hash": "rapide"})

"""Strict-Transport-Security: once a browser has seen the site over HTTPS, it never again asks
for it over plain HTTP (where a network in the middle could strip the TLS). Sent exactly when
the cookies are HTTPS-only, i.e. in production; a development server on http://localhost
must not pin the browser to HTTPS."""
import re

import pytest
import webtest

from tests.conftest import make_app

ONE_YEAR = 365 * 24 * 3600
PAGES = [("/", 200), ("/connexion", 200), ("/conseils.geojson", 200),
         ("/static/css/site.css", 200), ("/pas-de-page-ici", 404)]


@pytest.fixture(scope="module")
def apps():
    return {on: webtest.TestApp(make_app(**{"conseils.secure_cookies": "true" if on else "false"}))
            for on in (True, False)}


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_every_response_pins_https_when_cookies_are_secure(apps, path, status):
    for attempt in range(2):  # the second anonymous GET may come from the page cache
        response = apps[True].get(path, status=status)
        header = response.headers.get("Strict-Transport-Security", "")
        max_age = re.search(r"max-age=(\d+)", header)
        assert max_age and int(max_age.group(1)) >= ONE_YEAR, (attempt, header)
        assert "includesubdomains" in header.lower(), header


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_no_pinning_without_secure_cookies(apps, path, status):
    response = apps[False].get(path, status=status)
    assert "Strict-Transport-Security" not in response.headers

"""How a Host header is compared with the public address and its aliases."""
import pytest

from conseils_site.hosts import allowed_hosts, normal_host


@pytest.mark.parametrize(("given", "expected"), [
    ("Conseils.Example.FR", "conseils.example.fr"),
    ("conseils.example.fr.", "conseils.example.fr"),
    ("conseils.example.fr:443", "conseils.example.fr"),
    ("conseils.example.fr:80", "conseils.example.fr"),
    ("conseils.example.fr:8443", "conseils.example.fr:8443"),
    ("[::1]", "[::1]"),
    ("[::1]:6543", "[::1]:6543"),
    ("", ""),
])
def test_normal_host(given, expected):
    assert normal_host(given) == expected


def test_the_public_address_and_the_aliases_are_allowed():
    settings = {"conseils.public_url": "https://Conseils.example.fr/sous-dossier/",
                "conseils.allowed_hosts": "www.conseils.example.fr,  autre.example:8443\nx.example"}
    assert allowed_hosts(settings) == {"conseils.example.fr", "www.conseils.example.fr",
                                       "autre.example:8443", "x.example"}


def test_without_aliases_only_the_public_host():
    assert allowed_hosts({"conseils.public_url": "http://localhost:6543"}) == {"localhost:6543"}

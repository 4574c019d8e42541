"""Allowed hosts: the outermost WSGI layer refuses a request for a host that is not the site's.

The Host header is chosen by whoever sends the request. Absolute links no longer come from it
(`addresses`), but pages still link relative to it, and the anonymous page cache keys on it: a
stranger naming a thousand hosts would get a thousand copies of each page. With
`conseils.enforce_host` (on in the production ini files), a host other than the public
address's (`conseils.public_url`) or one of `conseils.allowed_hosts` gets a plain French 400
before the cache, the database or any view is reached. Off by default, so that a developer
reaches the site however they name it (localhost, 127.0.0.1, a LAN address)."""
from pyramid.settings import asbool, aslist

from .addresses import public_url


def normal_host(value):
    """`host[:port]` in lower case, without a final dot nor the default ports (80, 443)."""
    value = (value or "").strip().lower()
    name, port = value, ""
    if value.rfind(":") > value.rfind("]"):  # a port, not a colon of an IPv6 address
        name, port = value.rsplit(":", 1)
    name = name.rstrip(".")
    return name if port in ("", "80", "443") else f"{name}:{port}"


def allowed_hosts(settings):
    """The public address's host and the aliases (`conseils.allowed_hosts`, commas or spaces)."""
    aliases = aslist(settings.get("conseils.allowed_hosts", "").replace(",", " "))
    netloc = public_url(settings).split("://", 1)[-1].split("/", 1)[0]
    return frozenset(normal_host(h) for h in [netloc, *aliases] if h)


class AllowedHosts:
    """WSGI middleware around the whole site; see the module docstring."""

    def __init__(self, app, settings):
        self.app = app
        self.enforce = asbool(settings.get("conseils.enforce_host", False))
        if self.enforce and not settings.get("conseils.public_url"):
            raise ValueError("conseils.enforce_host needs conseils.public_url (in production, "
                             "the environment variable CONSEILS_PUBLIC_URL): the site's address")
        self.allowed = allowed_hosts(settings)
        self.refusal = (
            "Adresse inconnue : ce serveur ne répond pas à cette adresse. La plate-forme des "
            f"conseils citoyens est à l'adresse {public_url(settings)}/\n").encode()

    def __getattr__(self, name):
        """Transparent for the rest: `registry`, and the page cache's `entries` for the tests."""
        if name == "app":  # not set yet (copy, pickle): no endless recursion
            raise AttributeError(name)
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        if self.enforce and normal_host(environ.get("HTTP_HOST", "")) not in self.allowed:
            start_response("400 Bad Request", [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(self.refusal))),
                ("Cache-Control", "no-store"),
            ])
            return [self.refusal]
        return self.app(environ, start_response)

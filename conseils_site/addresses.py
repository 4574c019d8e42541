"""The site's public address, and every absolute URL built from it.

The Host header of a request is chosen by whoever sends it. An absolute URL written from it
would let an attacker mail a victim a reset link leading to the attacker's host
(password-reset poisoning), or make the site keep one copy of a file per Host. So everything
that leaves the page it is written in — links in mails and SMS, Atom feeds, calendars, the
open-data files, exports — is built here from `conseils.public_url`, never from the request.
Navigation inside a page stays relative to the address the visitor used (in production the
public host or an alias; `hosts.AllowedHosts` refuses the others)."""
from urllib.parse import quote, urlsplit

from pyramid.traversal import resource_path

DEFAULT_URL = "http://localhost:6543"


def public_url(settings):
    """`conseils.public_url` without its final "/" (`http://localhost:6543` when unset)."""
    return (settings.get("conseils.public_url") or DEFAULT_URL).rstrip("/")


def public_host(settings):
    """The host name of the public address, for ids that name the site (tag: URIs, UIDs)."""
    return urlsplit(public_url(settings)).hostname or "localhost"


def resource_url(request, resource, *elements, **kw):
    """`request.resource_url` written from the public address (same arguments)."""
    return request.resource_url(resource, *elements, app_url=public_url(request.registry.settings),
                                **kw)


def path_url(request):
    """The requested path (no query) at the public address, as `request.path_url` writes it."""
    return public_url(request.registry.settings) + quote(request.path_info)


def absolute(base, obj_or_path, *elements):
    """The address under `base` (a public URL) of an object as `request.resource_url` writes it
    (ending in "/"), or of a path kept as it is; for scripts, which have no request."""
    if isinstance(obj_or_path, str):
        path = obj_or_path
    else:
        path = resource_path(obj_or_path).rstrip("/") + "/"
    path = "/".join([path.rstrip("/")] + [e.strip("/") for e in elements]) if elements else path
    return base + (path if path.startswith("/") else "/" + path)

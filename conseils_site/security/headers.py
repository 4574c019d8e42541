"""Security headers on every response, in one tween."""
from urllib.parse import urlsplit

from pyramid.settings import asbool

# Two years, and the subdomains too: once a browser has met the site over HTTPS it never asks
# for it over plain HTTP again, where a network in the middle could strip the TLS. Only when the
# cookies are HTTPS-only (production): a development server on http://localhost must not pin
# the browser to HTTPS.
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"


def _tile_origins(settings):
    url = settings.get("conseils.tiles_url", "")
    parts = urlsplit(url.replace("{s}", "a"))
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}"


def content_security_policy(settings):
    tiles = _tile_origins(settings)
    return "; ".join([
        "default-src 'self'",
        f"img-src 'self' data: {tiles}".strip(),
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def security_headers_tween_factory(handler, registry):
    policy = content_security_policy(registry.settings)
    fixed = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if asbool(registry.settings.get("conseils.secure_cookies", False)):
        fixed["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY

    def tween(request):
        response = handler(request)
        for name, value in fixed.items():
            response.headers.setdefault(name, value)
        return response

    return tween

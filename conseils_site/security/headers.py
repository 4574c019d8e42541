"""Security headers on every response, in one tween."""
from urllib.parse import urlsplit


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

    def tween(request):
        response = handler(request)
        for name, value in fixed.items():
            response.headers.setdefault(name, value)
        return response

    return tween

"""HTTP hardening: security headers, a strict Content-Security-Policy, proxy headers."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "manifest-src 'self'",
])


def register(app: Flask) -> None:
    proxies = app.config["PROXY_FIX"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,
                                x_port=proxies, x_prefix=proxies)

    secure = app.config["SESSION_COOKIE_SECURE"]

    @app.before_request
    def _refuse_nul():
        """A NUL byte is never text: refuse it (400), before PostgreSQL refuses it mid-query."""
        texts = [request.path, *_flat(request.args)]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            texts += _flat(request.form)
        if any("\x00" in text for text in texts):
            abort(400)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        headers.setdefault("Permissions-Policy",
                           "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
        if secure:
            headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
        if request.endpoint != "static":
            # Pages hold personal data: never keep them in shared or back-button caches.
            headers.setdefault("Cache-Control", "no-store")
        return response


def _flat(values) -> list[str]:
    return [text for pair in values.items(multi=True) for text in pair]

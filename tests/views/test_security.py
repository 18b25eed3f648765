"""CSRF, headers, redirects, limits and error pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import request

from portal.app import create_app
from portal.config import ConfigError, check_production, load
from portal.services.encryption import new_key_spec
from tests.factories import ALL_ROLES, PASSWORD
from tests.helpers import csrf_token, make_app


def test_post_without_csrf_token_is_refused(client, create_org, create_user):
    user = create_user(create_org(), ALL_ROLES)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "formulier" in response.get_data(as_text=True) or \
        "form" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_post_with_another_sessions_csrf_token_is_refused(app, client, auth, create_org,
                                                          create_user):
    user = create_user(create_org(), ALL_ROLES)
    auth.login(user.email)
    foreign = csrf_token(app.test_client())
    response = client.post("/account/", data={"csrf_token": foreign, "name": "Overgenomen",
                                              "locale": "nl"})
    assert response.status_code == 400


def _change_name(auth, **headers):
    return auth.post("/account/", {"name": "Overgenomen", "locale": "nl"},
                     token_from="/account/", headers=headers)


@pytest.mark.parametrize("headers", [
    {"Origin": "https://aanvaller.example"},
    {"Origin": "null"},  # a sandboxed frame or a data: page
    {"Referer": "https://aanvaller.example/form.html"},
    {"Origin": "http://localhost.aanvaller.example"},
])
def test_a_valid_csrf_token_from_another_site_is_refused(auth, create_org, create_user,
                                                         headers):
    user = create_user(create_org(), ALL_ROLES, name="Petra Jansen")
    auth.login(user.email)
    response = _change_name(auth, **headers)
    assert response.status_code == 400
    assert "andere plek" in response.get_data(as_text=True)
    assert "Overgenomen" not in auth.client.get("/account/").get_data(as_text=True)


@pytest.mark.parametrize("headers", [
    {"Origin": "http://localhost"},  # the portal itself, as the browser reached it
    {"Origin": "http://127.0.0.1:5000"},  # PUBLIC_URL
    {"Referer": "http://localhost/account/"},
    {},  # neither header: a script or a privacy tool; the token alone decides
])
def test_a_valid_csrf_token_from_the_portal_itself_is_accepted(app, auth, create_org,
                                                                create_user, headers):
    app.config["PUBLIC_URL"] = "http://127.0.0.1:5000"
    user = create_user(create_org(), ALL_ROLES, name="Petra Jansen")
    auth.login(user.email)
    response = _change_name(auth, **headers)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_every_page_offers_help_and_contact(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="mailto:privacy@voxio.nl"' in page and "Hulp en contact" in page


def test_pages_carry_strict_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_templates_contain_no_inline_script_or_style(app):
    for path in Path(app.template_folder).rglob("*.html"):
        if path.parts[-2] == "email":
            continue  # e-mail clients need inline styles; e-mails run no script
        text = path.read_text()
        assert "<script>" not in text and "<script " not in text.replace(
            '<script src="', ""), path
        assert " style=" not in text and "<style" not in text, path
        assert " onclick=" not in text and " onsubmit=" not in text, path


def test_session_cookie_is_httponly_and_samesite(auth, create_org, create_user):
    user = create_user(create_org(), ALL_ROLES)
    response = auth.login(user.email)
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_host_cookies():
    config = load({"PORTAL_ENV": "production"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_production_refuses_development_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        check_production(load({"PORTAL_ENV": "production", "PUBLIC_URL": "https://x.nl"}))
    with pytest.raises(ConfigError):
        create_app({"PORTAL_ENV": "production"})


def test_production_starts_with_real_secrets(tmp_path):
    check_production(load({
        "PORTAL_ENV": "production", "SECRET_KEY": "k" * 48, "ENCRYPTION_KEYS": new_key_spec(),
        "PUBLIC_URL": "https://dpa.voxio.nl", "MAIL_SERVER": "smtp.voxio.nl",
    }))


def test_language_switch_only_redirects_locally(client):
    assert client.get("/lang/en?next=https://evil.example/").headers["Location"] == "/"
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"
    assert client.get("/lang/en?next=/login").headers["Location"] == "/login"


def test_language_switch_changes_the_page_language(client):
    assert "Inloggen" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in" in page and '<html lang="en">' in page


def test_oversized_request_gets_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/login", data={"email": "x" * 4096, "password": "y"})
    assert response.status_code == 413
    assert "Voxio" in response.get_data(as_text=True)


def test_unknown_page_gets_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "<main" in response.get_data(as_text=True)


def test_server_error_page_reveals_no_internals(app, client):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail /work/main/portal")

    response = client.get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "secret internal detail" not in text and "Traceback" not in text


def test_proxy_fix_is_off_by_default_and_configurable(database_url, tmp_path):
    plain = make_app(database_url, tmp_path).test_client()
    page = plain.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    assert page.status_code == 200
    proxied = make_app(database_url, tmp_path, PROXY_FIX=1)
    seen = {}

    @proxied.get("/ip")
    def ip():
        seen["ip"] = request.remote_addr
        return "ok"

    proxied.test_client().get("/ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen["ip"] == "203.0.113.9"

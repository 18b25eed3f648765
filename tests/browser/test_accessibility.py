"""axe-core (from npm, see package.json) on every main page, in Debian's Chromium:
no serious or critical violations. Plus the sign-in form used by keyboard alone."""

from __future__ import annotations

import contextvars
import json
import threading
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest

from portal.extensions import db
from portal.models import Role, utcnow
from portal.services import (
    announcements,
    notifications,
    objections,
    preparation,
    signing,
    subprocessors,
)
from portal.services.context import Actor
from tests.browser.conftest import require_browser
from tests.factories import PASSWORD

require_browser()

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def world(db, customer, create_staff, create_revision):
    """A customer with choices, a signed agreement, a notice and an objection; staff.

    Built on another thread, in this test's context: Playwright keeps an asyncio loop on this
    one, and pyHanko's synchronous calls start their own. Committed, for the live server; the
    users come as what a person types (an ORM object would reload from the database, and on
    SQLite hold its write lock, while the live server works).
    """
    context = contextvars.copy_context()
    result = {}
    thread = threading.Thread(target=lambda: result.update(
        context.run(_build_world, customer, create_staff, create_revision)))
    thread.start()
    thread.join(120)
    return result


def _build_world(customer, create_staff, create_revision) -> dict:
    org, owner = customer.org, customer.owner
    create_revision(org, owner)
    staff = create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")
    actor = Actor(label_override="test")
    subprocessors.create_active(subprocessors.SubProcessorData(
        "Rekencentrum", "Rekencentrum B.V.", "Servers", ("webhosting",), ("NL", "US"),
        "scc"), utcnow().date(), actor)
    ann = announcements.announce(
        "add", reason="Betere aflevering", actor=actor,
        effective_on=utcnow().date() + timedelta(days=30),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail", ("email",),
                                            ("NL",)))
    notifications.create_notices(ann.id)
    objection = objections.submit(org, ann, "Liever geen nieuwe partij.", Actor(user=owner))
    prepared = preparation.prepare(org, owner, actor)
    signing.sign(prepared, signing.Confirmation(
        prepared.signatory_name, prepared.signatory_function, True), owner, None, actor)
    world = {"org": org.id, "ann": ann.id, "public_id": prepared.public_id,
             "objection": objection.id,
             "owner": owner.email, "staff": staff.email, "staff_totp": staff.totp_plain}
    db.session.commit()
    return world


def _login(page, base: str, email: str, code: str | None = None) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    if code is not None:
        page.wait_for_url("**/login/verify")
        page.fill("#code", code)
        page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _axe(page) -> list[dict]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def test_main_pages_have_no_serious_accessibility_violations(world, live_server, browser):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (the Makefile's test target does)")
    base = live_server
    found: dict[str, list] = {}

    def check(page, paths):
        for path in paths:
            response = page.goto(f"{base}{path}")
            assert response.status < 400, (path, response.status)
            violations = _axe(page)
            if violations:
                found[path] = violations

    context = browser.new_context(bypass_csp=True, locale="nl-NL")  # axe is injected
    page = context.new_page()
    check(page, ["/login", "/password/forgot", "/verify", f"/verify/{world['public_id']}",
                 "/subprocessors", "/pki/"])
    _login(page, base, world["owner"])
    check(page, ["/", "/agreement/", "/agreement/choices", "/agreement/preview",
                 "/agreement/history", "/agreement/standard", "/agreement/signed",
                 "/agreement/signed/1", "/agreement/signed/1/report", "/agreement/sign/own",
                 "/agreement/subprocessors", f"/agreement/objections/{world['objection']}",
                 "/organization/", "/organization/audit",
                 "/account/", "/account/password", "/account/two-factor", "/account/sessions"])
    context.close()
    # the pages of the roles, notices and objection follow-up on a phone too
    context = browser.new_context(bypass_csp=True, locale="nl-NL",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    check(page, ["/subprocessors"])
    _login(page, base, world["owner"])
    check(page, ["/", "/organization/", "/organization/invite", "/agreement/choices",
                 "/agreement/subprocessors", f"/agreement/objections/{world['objection']}"])
    context.close()
    context = browser.new_context(bypass_csp=True, locale="nl-NL")
    page = context.new_page()
    _login(page, base, world["staff"], pyotp.TOTP(world["staff_totp"]).now())
    check(page, ["/", "/staff/customers", f"/staff/customers/{world['org']}",
                 "/staff/subprocessors", "/staff/subprocessors/announce",
                 f"/staff/announcements/{world['ann']}", "/staff/audit", "/staff/staff-users",
                 f"/staff/notices/announcement/{world['ann']}", "/staff/customers?flag=overdue"])
    context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_sign_in_works_by_keyboard_alone(world, live_server, browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")  # the skip link comes first
    for _ in range(12):  # Tab until the e-mail field has focus
        if page.evaluate("document.activeElement.id") == "email":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type(world["owner"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)
    assert "Petra Jansen" in page.content()
    context.close()

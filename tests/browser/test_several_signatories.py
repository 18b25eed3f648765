"""In Debian's Chromium: a director signs on a desktop, then the data protection officer on a
phone; Voxio countersigns after the last. axe-core finds nothing serious on the pages of the
round, on either screen."""

from __future__ import annotations

import contextvars
import json
import re
import threading

import pytest
from playwright.sync_api import expect

from portal.documents.contract import Signatory
from portal.models import CustomerRole
from tests.browser.conftest import require_browser
from tests.browser.test_accessibility import AXE, _axe, _login

require_browser()

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def round_world(db, create_org, create_user, create_revision):
    """Built on another thread (see test_accessibility.world) and committed."""
    context = contextvars.copy_context()
    result = {}

    def build():
        org = create_org("Twee Handtekeningen B.V.")
        director = create_user(org, (CustomerRole.OWNER, CustomerRole.SIGNATORY),
                               email="petra@twee.nl", name="Petra Jansen")
        dpo = create_user(org, (CustomerRole.PRIVACY_CONTACT, CustomerRole.SIGNATORY),
                          email="femke@twee.nl", name="Femke de Wit")
        create_revision(
            org, signatory=Signatory("Petra Jansen", "Directeur", "director", "petra@twee.nl"),
            co_signatories=(Signatory("Femke de Wit", "Functionaris gegevensbescherming",
                                      "proxy", "femke@twee.nl"),))
        result.update(director=director.email, dpo=dpo.email)
        db.session.commit()

    thread = threading.Thread(target=lambda: context.run(build))
    thread.start()
    thread.join(120)
    return result


def test_a_director_then_the_dpo_sign_in_order_in_the_browser(round_world, live_server,
                                                              browser):
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (the Makefile's test target does)")
    base, found = live_server, {}

    def sign_as(email: str, viewport: dict, label: str):
        context = browser.new_context(bypass_csp=True, locale="nl-NL", viewport=viewport)
        page = context.new_page()
        _login(page, base, email)
        page.goto(f"{base}/agreement/sign")
        expect(page.locator("#round-title")).to_have_text("Ondertekenaars, in deze volgorde")
        if violations := _axe(page):
            found[f"{label} /agreement/sign"] = violations
        page.check("#authority")
        page.get_by_role("button", name="Overeenkomst ondertekenen").click()
        return context, page

    context, page = sign_as(round_world["director"], {"width": 1280, "height": 900}, "desktop")
    page.wait_for_url(f"{base}/agreement/sign")
    expect(page.locator(".flash, [role=status]").first).to_contain_text("Ondertekend.")
    expect(page.locator("main")).to_contain_text("U hebt ondertekend op")
    expect(page.locator("main")).to_contain_text("Femke de Wit tekent hierna")
    expect(page.locator("form #authority")).to_have_count(0)  # nothing left to sign for her
    if violations := _axe(page):
        found["desktop, waiting"] = violations
    context.close()

    context, page = sign_as(round_world["dpo"], PHONE, "phone")
    page.wait_for_url(re.compile(rf"^{re.escape(base)}/agreement/signed/1$"))
    signers = page.locator("main ol li")  # each signatory, in order
    expect(signers.nth(0)).to_contain_text("petra@twee.nl")
    expect(signers.nth(1)).to_contain_text("femke@twee.nl")
    if violations := _axe(page):
        found["phone /agreement/signed/1"] = violations
    page.goto(f"{base}/agreement/signed/1/report")
    expect(page.locator(".signature-card")).to_have_count(3)
    expect(page.locator(".report-summary")).to_contain_text("Alle 3 handtekeningen")
    context.close()
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)

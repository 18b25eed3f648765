"""One customer's whole journey, in a real browser (Debian's Chromium through Playwright).

Staff add the customer, the owner accepts the invitation, turns on two-step verification,
makes the agreement choices and signs; staff announce a sub-processor change, the owner checks
the signed PDF on /verify, objects, and staff resolve the objection. Every step goes through
the pages as a person would use them; only the first staff account comes from the factories.
Screenshots of every step land in build/journey/.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Announcement,
    ChoiceRevision,
    Invitation,
    Notice,
    Objection,
    Organization,
    OrganizationService,
    Role,
    SignedAgreement,
    User,
    UserSession,
    utcnow,
)
from tests.browser.conftest import require_browser
from tests.factories import PASSWORD, totp_now

require_browser()  # skips this module without Chromium (fails under REQUIRE_SERVICES)
from playwright.sync_api import Page, expect  # noqa: E402

ADMIN_EMAIL = "beheer@voxio.nl"
OWNER_EMAIL = "petra@bakkerij-jansen.nl"
OWNER_PASSWORD = "zeilboot koffiemolen lantaarn"
ORG_NAME = "Bakkerij Jansen B.V."
TIMEOUT_MS = 30_000  # signing (render, two signatures, timestamps, validation) takes seconds


# --- helpers -------------------------------------------------------------------------------

def read(fn):
    """Run ``fn`` on the test's session, then end its transaction: the next read sees what
    the live server stored since, and no lock is held while it works (on SQLite every
    transaction takes the write lock)."""
    try:
        return fn()
    finally:
        db.session.rollback()


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def next_code(email: str, secret: str) -> str:
    """A TOTP code the portal will accept now: a step it has not seen used yet."""
    last = read(lambda: db.session.scalar(
        select(User.totp_last_step).where(User.email == email)))
    totp = pyotp.TOTP(secret)
    step = max(totp.timecode(utcnow()), (last or 0) + 1)  # the portal accepts now ± 1 step
    return totp.generate_otp(step)


def mail_link(mailbox, address: str, path: str, base_url: str) -> str:
    """The absolute link to ``path`` in the last mail to ``address`` (it must be ours)."""
    text = mailbox.text(mailbox.last(address))
    match = re.search(r"https?://[^\s\"<>]+" + re.escape(path) + r"[^\s\"<>]*", text)
    assert match, f"no {path} link in the mail to {address}:\n{text}"
    assert match.group(0).startswith(base_url + path), match.group(0)
    return match.group(0)


def button(page: Page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def flash(page: Page):
    return page.locator(".flash")


def watch(page: Page, problems: list[str]) -> Page:
    """Collect JavaScript errors and server errors; the test fails on any at the end."""
    page.on("pageerror", lambda error: problems.append(f"JS error on {page.url}: {error}"))
    page.on("response", lambda response: response.status >= 500 and problems.append(
        f"HTTP {response.status} for {response.request.method} {response.url}"))
    return page


# --- the journey ---------------------------------------------------------------------------

@pytest.fixture
def admin(db, create_staff):
    """The first staff account, committed: the live server signs it in on other threads."""
    admin = create_staff(Role.STAFF_ADMIN, email=ADMIN_EMAIL, name="Sanne de Beheerder")
    db.session.commit()
    return admin


def test_customer_journey_from_invitation_to_resolved_objection(
        app, db, admin, live_server, browser, mailbox, task_worker, shots):
    base = live_server
    problems: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []

    def new_page() -> Page:
        context = browser.new_context(locale="nl-NL", accept_downloads=True,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return watch(context.new_page(), problems)

    try:
        staff = new_page()
        owner = new_page()
        _journey(app, admin, base, staff, owner, new_page, mailbox, task_worker, shots)
    finally:
        for context in contexts:
            context.close()
    assert not problems, "\n".join(problems)


def _journey(app, admin, base, staff, owner, new_page, mailbox, task_worker, shots):
    # 1. Staff sign in with password and TOTP, and add the customer; the owner is invited.
    staff.goto(f"{base}/login")
    expect(staff.locator("html")).to_have_attribute("lang", "nl")
    staff.fill("#email", ADMIN_EMAIL)
    staff.fill("#password", PASSWORD)
    button(staff, "Inloggen").click()
    staff.wait_for_url(f"{base}/login/verify")
    staff.fill("#code", totp_now(admin))
    button(staff, "Verifiëren").click()
    staff.wait_for_url(f"{base}/")
    expect(staff.locator(".account-link")).to_have_text("Sanne de Beheerder")

    staff.goto(f"{base}/staff/customers/new")
    expect(staff.locator("h1")).to_have_text("Klant toevoegen")
    for field, value in {"name": ORG_NAME, "kvk_number": "12345678",
                         "customer_number": "VX-40123", "address": "Oudegracht 12",
                         "postal_code": "3511 AB", "city": "Utrecht",
                         "owner_name": "Petra Jansen", "owner_email": OWNER_EMAIL}.items():
        staff.fill(f"#{field}", value)
    expect(staff.locator("#country")).to_have_value("NL")
    button(staff, "Klant toevoegen en uitnodiging versturen").click()
    staff.wait_for_url(re.compile(rf"^{re.escape(base)}/staff/customers/\d+$"))
    org_id = int(staff.url.rsplit("/", 1)[1])
    expect(flash(staff)).to_contain_text(OWNER_EMAIL)
    expect(staff.locator("h1")).to_contain_text(ORG_NAME)
    assert read(lambda: (
        db.session.get(Organization, org_id).customer_number,
        count(Invitation, Invitation.organization_id == org_id,
              Invitation.email == OWNER_EMAIL))) == ("VX-40123", 1)
    invitation_url = mail_link(mailbox, OWNER_EMAIL, "/invitation/", base)
    shots(staff, "staff-added-customer")

    # 2. The owner accepts the invitation, signs out and in again, and turns on TOTP.
    owner.goto(invitation_url)
    expect(owner.locator("main")).to_contain_text(ORG_NAME)
    expect(owner.locator("#invited-email")).to_have_value(OWNER_EMAIL)
    expect(owner.locator("#name")).to_have_value("Petra Jansen")
    owner.fill("#password", OWNER_PASSWORD)
    shots(owner, "owner-invitation")
    button(owner, "Account aanmaken").click()
    owner.wait_for_url(f"{base}/")
    expect(flash(owner)).to_contain_text("Welkom, Petra Jansen")
    button(owner, "Uitloggen").click()
    owner.wait_for_url(f"{base}/login")
    owner.fill("#email", OWNER_EMAIL)
    owner.fill("#password", OWNER_PASSWORD)
    button(owner, "Inloggen").click()
    owner.wait_for_url(f"{base}/")
    expect(owner.locator("h1")).to_have_text("Welkom, Petra Jansen")

    owner.goto(f"{base}/account/two-factor/setup")
    secret = owner.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    expect(owner.locator("img.qr")).to_be_visible()
    shots(owner, "owner-totp-setup")
    owner.fill("#code", pyotp.TOTP(secret).now())
    button(owner, "Inschakelen").click()
    expect(flash(owner)).to_contain_text("Tweestapsverificatie staat aan")
    expect(owner.locator("ul.codes li")).to_have_count(10)
    assert read(lambda: db.session.scalar(
        select(User.totp_secret).where(User.email == OWNER_EMAIL))) is not None
    shots(owner, "owner-recovery-codes")
    owner.get_by_role("link", name="Ik heb ze bewaard").click()
    owner.wait_for_url(f"{base}/")

    # 3. The owner makes the choices and reads the tailored agreement.
    owner.goto(f"{base}/agreement/choices")
    for box in ("services-webhosting", "services-email", "purposes-hosting",
                "data_categories-name_address", "data_categories-ip_address",
                "data_subjects-customers", "large_scale-no",
                "disposition-return_then_delete", "signatory_authority-director"):
        owner.check(f"#{box}")
    for field, value in {"contact_name": "Fenna de FG", "contact_email": "fg@bakkerij-jansen.nl",
                         "contact_phone": "+31 30 123 45 67", "signatory_name": "Petra Jansen",
                         "signatory_function": "Directeur"}.items():
        owner.fill(f"#{field}", value)
    # ticking a service shows (never ticks) the data it usually involves
    expect(owner.locator('[data-suggestion-for="communication_content"]')).to_be_visible()
    expect(owner.locator("#data_categories-communication_content")).not_to_be_checked()
    shots(owner, "owner-choices")
    button(owner, "Opslaan en overeenkomst lezen").click()
    owner.wait_for_url(f"{base}/agreement/preview")
    document = owner.locator(".document")
    expect(document).to_contain_text(ORG_NAME)
    expect(document).to_contain_text("Webhosting")
    expect(document).to_contain_text("Fenna de FG")
    expect(document).to_contain_text("Artikel 13. Toepasselijk recht en geschillenbeslechting")
    assert read(lambda: (
        count(ChoiceRevision, ChoiceRevision.organization_id == org_id),
        set(db.session.scalars(select(OrganizationService.service)
                               .where(OrganizationService.organization_id == org_id))),
    )) == (1, {"webhosting", "email"})
    shots(owner, "owner-preview")

    # 4. Staff announce a new sub-processor for e-mail; the task worker notifies the owner.
    staff.goto(f"{base}/staff/subprocessors/announce")
    expect(staff.locator("#effective_on")).to_have_value(
        (utcnow().date() + timedelta(days=app.config["SUBPROCESSOR_NOTICE_DAYS"])).isoformat())
    staff.check("#kind-add")
    # only the parts for an addition show (the script hides the others)
    expect(staff.locator("#new_countries")).to_be_hidden()
    expect(staff.locator("#subprocessor")).to_be_hidden()
    staff.fill("#name", "Postbode Mail")
    staff.fill("#legal_entity", "Postbode Mail B.V., Utrecht")
    staff.fill("#activity", "Verzenden van e-mail")
    staff.check('input[name="services"][value="email"]')
    staff.fill("#countries", "NL")
    staff.fill("#reason", "Betere aflevering van e-mail bij grote ontvangers.")
    shots(staff, "staff-announce")
    button(staff, "Bekijk wie bericht krijgt").click()  # first: whom it reaches
    expect(staff.locator("#preview")).to_contain_text("1 klant gebruikt een dienst")
    expect(staff.locator("#preview")).to_be_focused()
    expect(staff.locator("#name")).to_have_value("Postbode Mail")
    shots(staff, "staff-announce-preview")
    button(staff, "Aankondigen").click()
    staff.wait_for_url(re.compile(rf"^{re.escape(base)}/staff/announcements/\d+$"))
    announcement_id = int(staff.url.rsplit("/", 1)[1])
    expect(flash(staff)).to_contain_text("Aangekondigd.")

    def notified():
        ann = db.session.get(Announcement, announcement_id)
        return ann.notified_at is not None and count(
            Notice, Notice.announcement_id == announcement_id,
            Notice.organization_id == org_id, Notice.mailed_at.is_not(None)) == 1

    task_worker(lambda: read(notified))
    assert "Postbode Mail" in mailbox.text(mailbox.last(OWNER_EMAIL))
    staff.reload()
    expect(staff.locator("main")).to_contain_text("Klanten geïnformeerd op")
    expect(staff.locator("[id^=wijziging-]").first).to_contain_text("Postbode Mail")
    shots(staff, "staff-announced")
    owner.goto(f"{base}/")
    expect(owner.locator("main")).to_contain_text("Postbode Mail")

    # 5. The owner signs. Step-up: pretend the last proof of identity is 10 minutes old, so
    # the portal asks for password and TOTP again (as it would on a later visit).
    def age_sessions():
        owner_id = db.session.scalar(select(User.id).where(User.email == OWNER_EMAIL))
        db.session.execute(db.update(UserSession).where(UserSession.user_id == owner_id)
                           .values(authenticated_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()

    read(age_sessions)
    owner.goto(f"{base}/agreement/preview")
    owner.locator(".next-step").get_by_role("link", name="Overeenkomst ondertekenen").click()
    owner.wait_for_url(re.compile(rf"^{re.escape(base)}/confirm\?next=(/|%2F)agreement(/|%2F)sign$"))
    owner.fill("#password", OWNER_PASSWORD)
    owner.fill("#code", next_code(OWNER_EMAIL, secret))
    shots(owner, "owner-step-up")
    button(owner, "Bevestigen").click()
    owner.wait_for_url(f"{base}/agreement/sign")
    expect(owner.locator("#name")).to_have_value("Petra Jansen")
    expect(owner.locator("#function")).to_have_value("Directeur")
    owner.check("#authority")
    shots(owner, "owner-sign")
    button(owner, "Overeenkomst ondertekenen").click()
    owner.wait_for_url(f"{base}/agreement/signed/1")
    expect(flash(owner)).to_contain_text("Ondertekend.")
    expect(owner.locator("main")).to_contain_text("Petra Jansen, Directeur")
    public_id, stored_sha = read(lambda: (lambda a: (a.public_id, a.file.sha256))(
        db.session.scalar(select(SignedAgreement).where(
            SignedAgreement.organization_id == org_id))))
    expect(owner.locator("h1")).to_contain_text(public_id)
    with owner.expect_download() as download_info:
        owner.get_by_role("link", name="Pdf downloaden").click()
    download = download_info.value
    assert download.suggested_filename == f"verwerkersovereenkomst-{public_id}.pdf"
    pdf = shots.folder / download.suggested_filename
    download.save_as(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == stored_sha
    assert "/agreement/signed/1" in mailbox.text(mailbox.last(OWNER_EMAIL))
    shots(owner, "owner-signed")

    # 6. Anyone can check the file on /verify: both signatures valid, long-term (B-LTA).
    anonymous = new_page()
    anonymous.goto(f"{base}/verify")
    anonymous.set_input_files("#file", pdf)
    button(anonymous, "Controleren").click()
    summary = anonymous.locator(".report-summary")
    expect(summary).to_have_text("Beide handtekeningen zijn geldig en vertrouwd.")
    expect(summary).to_have_class(re.compile(r"\breport--ok\b"))
    cards = anonymous.locator(".signature-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Petra Jansen")
    for i in range(2):
        expect(cards.nth(i)).to_contain_text("B-LTA")
        expect(cards.nth(i).locator(".badge--bad")).to_have_count(0)
    expect(anonymous.locator("main")).to_contain_text(public_id)
    assert "ONGELDIG" not in anonymous.locator("main").inner_text()
    shots(anonymous, "verify-report")

    # 7. The owner objects to the announced change.
    owner.goto(f"{base}/agreement/subprocessors")
    notice = owner.locator("article.notice", has_text="Postbode Mail")
    expect(notice).to_contain_text("Betere aflevering")
    notice.get_by_role("link", name="Bezwaar maken").click()
    owner.wait_for_url(f"{base}/agreement/subprocessors/{announcement_id}/object")
    owner.fill("#reason", "Wij willen geen nieuwe partij voor onze mail.")
    shots(owner, "owner-objection-form")
    button(owner, "Bezwaar versturen").click()
    owner.wait_for_url(f"{base}/agreement/subprocessors")
    expect(notice.locator(".badge")).to_have_text("ingediend")
    expect(notice.get_by_role("link", name="Bezwaar maken")).to_have_count(0)
    objection_id, status = read(lambda: db.session.execute(
        select(Objection.id, Objection.status).where(
            Objection.organization_id == org_id,
            Objection.announcement_id == announcement_id)).one())
    assert status == "submitted"
    assert "Wij willen geen nieuwe partij" in mailbox.text(mailbox.last(ADMIN_EMAIL))
    shots(owner, "owner-objected")

    # 8. Staff resolve the objection; the owner reads the outcome.
    staff.goto(f"{base}/staff/announcements/{announcement_id}")
    card = staff.locator("section.card", has_text="Wij willen geen nieuwe partij")
    expect(card).to_contain_text(ORG_NAME)
    card.locator(f"#o{objection_id}-status").select_option("resolved")
    card.locator(f"#o{objection_id}-resolution").select_option("not_used")
    card.locator(f"#o{objection_id}-note").fill(
        "Wij gebruiken Postbode niet voor uw organisatie.")
    shots(staff, "staff-resolving")
    button(card, "Bijwerken").click()
    expect(flash(staff)).to_contain_text("Bezwaar bijgewerkt")
    expect(staff.locator(f"#o{objection_id}-status")).to_have_count(0)  # no form once resolved
    assert read(lambda: (lambda o: (o.status, o.resolution, o.staff_note))(
        db.session.get(Objection, objection_id))) == (
        "resolved", "not_used", "Wij gebruiken Postbode niet voor uw organisatie.")
    shots(staff, "staff-resolved")

    owner.goto(f"{base}/agreement/subprocessors")
    expect(notice).to_contain_text("de subverwerker wordt niet gebruikt voor uw organisatie")
    expect(notice).to_contain_text("Wij gebruiken Postbode niet voor uw organisatie.")
    expect(notice.locator(".badge--ok")).to_have_text("afgehandeld")
    expect(owner.get_by_role("link", name="Bezwaar maken")).to_have_count(0)
    expect(owner.locator("main")).not_to_contain_text("Postbode Mail B.V., Utrecht")
    assert "Wij gebruiken Postbode niet" in mailbox.text(mailbox.last(OWNER_EMAIL))
    shots(owner, "owner-sees-resolution")

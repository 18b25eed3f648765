"""Hostile and faulty input: markup in every free-text field, SQL in filters, file names that
climb out of folders, uploads too large or broken.

Each hostile value carries a tag naming its field, so a test can say on which page (or in which
e-mail or PDF) that value must show, always as text, never as markup.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.documents.contract import Contact, Signatory
from portal.documents.pades import pki, signing, timestamps
from portal.extensions import db
from portal.models import (
    Announcement,
    Invitation,
    Objection,
    Organization,
    Role,
    SignedAgreement,
    User,
    utcnow,
)
from portal.services import announcements, notifications, storage, subprocessors
from portal.services.context import Actor
from tests.documents.tools import pdf_text
from tests.factories import ALL_ROLES, PASSWORD, valid_choices
from tests.helpers import AuthActions, Mailbox
from tests.views.test_signing import _own_signature, _prepared_id


def evil(tag: str) -> str:
    """Script, an event handler and every character HTML escapes, after a tag naming the field."""
    return f"{tag} <script>alert(1)</script><img src=x onerror=alert(1)>\"'&"


SHORT = "<i>\"'&</i>"  # fits a 10-character field (the postal code)
PHONE = "\"><script>alert(1)</script>"  # fits the phone number's 40
TYPST = '#read("/etc/passwd") #import "x": * ] #set page(fill: red) \\ *vet* $x$ <l> @l'


def typst(tag: str) -> str:
    """Typst markup and code (for the PDF) plus HTML, after a tag naming the field."""
    return f"{tag} {TYPST} <script>alert(1)</script>"


def assert_escaped(page: str, *values: str, where: str = "") -> None:
    """No hostile markup is live on ``page``; each of ``values`` is shown as text."""
    assert "<script>alert(" not in page and "<img src=x" not in page, where
    for value in values:
        assert str(escape(value)) in page, f"{value[:12]!r} is not shown (escaped) on {where}"


def assert_mail(message, *values: str) -> None:
    """The HTML part shows ``values`` escaped, the text part as typed."""
    html, text = Mailbox.html(message), Mailbox.text(message)
    assert_escaped(html, *values, where=f"HTML part of {message['Subject']!r}")
    for value in values:
        assert value in text, f"{value[:12]!r} not intact in the text part"


def client_for(app, user) -> AuthActions:
    """A browser of its own, signed in as ``user``."""
    actions = AuthActions(app.test_client(), app)
    actions.login_user(user)
    return actions


@pytest.fixture
def owner(customer, create_revision):
    """The customer's owner (Petra Jansen), with saved choices."""
    create_revision(customer.org, customer.owner)
    return customer.owner


def _prepared(actions) -> tuple[str, bytes]:
    public_id = unescape(_prepared_id(actions.client.get("/agreement/sign/own").get_data(
        as_text=True)))
    pdf = actions.client.get(f"/agreement/prepared/{quote(public_id)}.pdf?download=1")
    assert pdf.status_code == 200
    return public_id, pdf.data


def _upload(actions, path: str, data: bytes | None, filename: str = "signed.pdf",
            prepared: str = ""):
    form = {"prepared": prepared}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    return actions.post(path, form, token_from=path, content_type="multipart/form-data")


def _stored() -> tuple[int, list[str]]:
    return (db.session.scalar(select(func.count()).select_from(SignedAgreement)),
            sorted(storage.all_keys()))


# --- stored XSS ----------------------------------------------------------------------------

def test_customer_details_and_names_show_as_text_in_pages_and_invitations(auth, create_staff,
                                                                          mailbox):
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    auth.login_user(admin)
    org_fields = {"name": evil("org"), "address": evil("street"), "postal_code": SHORT,
                  "city": evil("city")}
    response = auth.post("/staff/customers/new", {
        **org_fields, "kvk_number": "12345678", "customer_number": "VX-666",
        "country": "BE",  # a Dutch postal code must look like one; markup tests this field
        "owner_name": evil("owner"), "owner_email": "eigenaar@klant.nl"},
        token_from="/staff/customers/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    org_page = response.headers["Location"]
    org_id = int(org_page.rsplit("/", 1)[1])
    staff_pages = {
        org_page: [*org_fields.values(), evil("owner")],  # with the flash message
        "/staff/customers": [evil("org"), evil("city")],
        "/staff/customers?" + urlencode({"q": evil("org")[:40]}): [evil("org")[:40]],
        f"/staff/customers/{org_id}/edit": org_fields.values(),
    }
    for path, values in staff_pages.items():
        assert_escaped(auth.client.get(path).get_data(as_text=True), *values, where=path)
    audit = auth.client.get(f"/staff/audit?organization={org_id}").get_data(as_text=True)
    assert_escaped(audit, json.dumps(evil("org"))[1:-1], where="staff audit log")
    assert_mail(mailbox.last("eigenaar@klant.nl"), evil("org"), evil("owner"))

    owner = auth.another()
    link = mailbox.link("eigenaar@klant.nl", "/invitation/")
    assert_escaped(owner.client.get(link).get_data(as_text=True), evil("org"), evil("owner"),
                   where="accept invitation")
    accepted = owner.post(link, {"name": evil("accepted"), "password": PASSWORD},
                          token_from=link)
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:3000]
    assert_escaped(owner.client.get("/").get_data(as_text=True), evil("accepted"), evil("org"),
                   where="dashboard with the welcome message")
    owner.post("/organization/invite", {"name": evil("colleague"), "email": "collega@klant.nl"},
               token_from="/organization/invite")
    assert_mail(mailbox.last("collega@klant.nl"), evil("colleague"), evil("accepted"),
                evil("org"))
    owner.post("/account/", {"name": evil("profile"), "locale": "nl"}, token_from="/account/")
    customer_pages = {"/account/": [evil("profile")],
                      "/organization/": [evil("profile"), evil("colleague")],
                      "/agreement/standard": [evil("org"), evil("street")]}
    for path, values in customer_pages.items():
        assert_escaped(owner.client.get(path).get_data(as_text=True), *values, where=path)

    edited = {**org_fields, "name": evil("edited"), "city": evil("edited-city")}
    auth.post(f"/staff/customers/{org_id}/edit", {
        **edited, "kvk_number": "12345678", "customer_number": "VX-666", "country": "BE"},
        token_from=f"/staff/customers/{org_id}/edit")
    assert_escaped(auth.client.get(org_page).get_data(as_text=True), evil("edited"),
                   evil("edited-city"), evil("profile"), evil("colleague"), where="edited")
    assert_escaped(owner.client.get("/").get_data(as_text=True), evil("edited"),
                   where="dashboard after the edit")


AGREEMENT_TEXT = {
    "services": ["webhosting", "email"], "other_services": evil("services"),
    "purposes": ["hosting"], "other_purposes": evil("purposes"),
    "data_categories": ["name_address", "other"], "other_data_categories": evil("categories"),
    "data_subjects": ["customers", "other"], "other_data_subjects": evil("subjects"),
    "large_scale": "no", "contact_name": evil("contact"), "contact_email": "fg@klant.nl",
    "contact_phone": "+31 30 123 45 67", "signatory_name": evil("signatory"),
    "signatory_function": evil("function"), "signatory_authority": "director",
    "disposition": "delete",
}


def test_agreement_choices_show_as_text_for_customer_and_staff(app, auth, create_org,
                                                               create_user, create_staff):
    org = create_org("Klant B.V.")
    owner = create_user(org, ALL_ROLES)
    staff = create_staff()
    org_id = org.id
    auth.login_user(owner)
    refused = auth.post("/agreement/choices", {
        **AGREEMENT_TEXT, "contact_email": evil("email"), "contact_phone": PHONE},
        token_from="/agreement/choices")
    page = refused.get_data(as_text=True)
    assert 'id="contact_email-error"' in page and 'id="contact_phone-error"' in page
    assert_escaped(page, evil("email"), PHONE, evil("services"), evil("contact"),
                   where="choices form with errors")
    saved = auth.post("/agreement/choices", AGREEMENT_TEXT, token_from="/agreement/choices")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    free_text = [v for v in AGREEMENT_TEXT.values() if isinstance(v, str) and "<" in v]
    for path in ("/agreement/choices", "/agreement/preview", "/agreement/history/1"):
        assert_escaped(auth.client.get(path).get_data(as_text=True), *free_text, where=path)
    assert_escaped(auth.client.get("/agreement/sign").get_data(as_text=True),
                   evil("signatory"), evil("function"), where="signing page")
    staff_client = client_for(app, staff)
    for path in (f"/staff/customers/{org_id}", f"/staff/customers/{org_id}/agreement/1"):
        page = staff_client.client.get(path).get_data(as_text=True)
        assert_escaped(page, *free_text, where=path)


def _announce_form(**changes) -> dict:
    form = {"kind": "add", "subprocessor": "0", "name": evil("sp-name"),
            "legal_entity": evil("sp-entity"), "activity": evil("sp-activity"),
            "services": "email", "countries": "nl", "transfer_basis": "", "new_countries": "",
            "new_transfer_basis": "", "reason": evil("sp-reason"),
            "effective_on": (utcnow().date() + timedelta(days=40)).isoformat()}
    return {**form, **changes}


def test_subprocessor_objection_and_resolution_texts_show_as_text_in_pages_and_mails(
        app, db, create_org, create_user, create_staff, create_revision, mailbox):
    org = create_org(evil("org"))
    owner = create_user(org, ALL_ROLES, email="owner@klant.nl")
    create_revision(org, selected={**valid_choices().selected, "services": ("email",)})
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    org_id = org.id
    staff = client_for(app, admin)
    path = "/staff/subprocessors/announce"
    refused = staff.post(path, _announce_form(countries=evil("countries")), token_from=path)
    assert 'id="countries-error"' in refused.get_data(as_text=True)
    assert_escaped(refused.get_data(as_text=True), evil("countries"), evil("sp-name"),
                   evil("sp-reason"), where="announce form with errors")
    assert staff.post(path, _announce_form(), token_from=path).status_code == 302
    ann_id = db.session.scalar(select(Announcement.id))
    notifications.create_notices(ann_id)  # what the queued task does
    notifications.send_notice_mails(ann_id, [org_id])
    assert_mail(mailbox.last(owner.email), evil("org"), evil("sp-name"), evil("sp-reason"))

    customer = client_for(app, owner)
    objection_path = f"/agreement/subprocessors/{ann_id}/object"
    assert customer.post(objection_path, {"reason": evil("objection")},
                         token_from=objection_path).status_code == 302
    assert_mail(mailbox.last(admin.email), evil("org"), evil("sp-name"), evil("objection"))
    objection_id = db.session.scalar(select(Objection.id))
    staff.post(f"/staff/objections/{objection_id}/status",
               {f"o{objection_id}-status": "resolved", f"o{objection_id}-resolution": "withdrawn",
                f"o{objection_id}-note": evil("note")}, token_from=f"/staff/announcements/{ann_id}")
    assert_mail(mailbox.last(owner.email), evil("sp-name"), evil("note"))
    pages = [
        (staff, "/staff/subprocessors", [evil("sp-name"), evil("sp-entity")]),
        (staff, f"/staff/announcements/{ann_id}",
         [evil("sp-name"), evil("sp-activity"), evil("sp-reason"), evil("org"),
          evil("objection"), evil("note")]),
        (customer, "/", [evil("org"), evil("sp-name")]),
        (customer, "/agreement/subprocessors", [evil("sp-name"), evil("note")]),
        (customer, objection_path, [evil("sp-name"), evil("sp-reason")]),
        (customer, "/subprocessors", [evil("sp-name"), evil("sp-reason")]),
    ]
    for actions, page_path, values in pages:
        page = actions.client.get(page_path).get_data(as_text=True)
        assert_escaped(page, *values, where=page_path)
    feed = customer.client.get("/subprocessors/feed.atom").get_data(as_text=True)
    assert "<script>" not in feed and "&lt;script&gt;" in feed

    staff.post(f"/staff/announcements/{ann_id}/withdraw", {"reason": evil("withdrawal")},
               token_from=f"/staff/announcements/{ann_id}")
    assert db.session.get(Announcement, ann_id).withdrawn_at is not None
    notifications.send_withdrawal_mails(ann_id, [org_id])
    assert_mail(mailbox.last(owner.email), evil("sp-name"), evil("withdrawal"))
    for actions, page_path in ((staff, f"/staff/announcements/{ann_id}"),
                               (customer, "/agreement/subprocessors")):
        assert_escaped(actions.client.get(page_path).get_data(as_text=True), evil("withdrawal"),
                       where=f"{page_path} after the withdrawal")


def _pixel(pdf: Path, page: int) -> tuple[int, int, int]:
    """The colour of the top-left corner of ``page``, rendered by poppler."""
    ppm = subprocess.run(["pdftoppm", "-r", "10", "-f", str(page), "-l", str(page), str(pdf)],
                         capture_output=True, check=True, timeout=60).stdout
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", ppm)
    return tuple(ppm[header.end():header.end() + 3])


def _assert_pdf_literal(data: bytes, texts: dict[str, str], folder: Path) -> None:
    """Every value is printed as written, no file was read, and no page changed colour."""
    path = folder / "agreement.pdf"
    path.write_bytes(data)
    text = "".join(pdf_text(path).split())  # typst breaks lines, even after "/etc/"
    for tag, value in texts.items():
        assert "".join(value.split()) in text, f"{tag}: {value!r} not printed as written"
    assert "root:" not in text  # no file was read
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout).group(1))
    for number in (1, pages):
        assert _pixel(path, number) == (255, 255, 255), f"page {number} is not white"


def test_pdf_prints_markup_literally_and_runs_no_typst_code(auth, create_org, create_user,
                                                            create_staff, create_revision,
                                                            mailbox, tmp_path):
    """The prepared and the signed PDF; the names are longer than a certificate allows (64)."""
    texts = {tag: typst(tag) for tag in ("org", "street", "services", "categories", "contact",
                                         "signatory", "function", "sp-name", "sp-activity")}
    texts["city"] = f"city {TYPST}"  # 100 characters at most
    org = create_org(texts["org"], address=texts["street"], city=texts["city"])
    owner = create_user(org, ALL_ROLES)
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    create_revision(org, selected={**valid_choices().selected,
                                   "data_categories": ("name_address", "other")},
                    other={"services": texts["services"], "data_categories": texts["categories"]},
                    breach_contact=Contact(texts["contact"], "fg@klant.nl", "+31 30 1234567"),
                    signatory=Signatory(texts["signatory"], texts["function"], "director"))
    subprocessors.create_active(subprocessors.SubProcessorData(
        texts["sp-name"], "Rekencentrum B.V.", texts["sp-activity"], ("webhosting",),
        ("NL",)), utcnow().date(), Actor(label_override="test"))
    auth.login_user(owner)
    page = auth.client.get("/agreement/sign").get_data(as_text=True)
    assert_escaped(page, texts["signatory"], texts["function"], where="signing page")
    prepared = unescape(_prepared_id(page))
    response = auth.client.get(f"/agreement/prepared/{prepared}.pdf")
    assert response.mimetype == "application/pdf"
    _assert_pdf_literal(response.data, texts, tmp_path)

    signed = auth.post("/agreement/sign", {"prepared": prepared, "name": texts["signatory"],
                                           "function": texts["function"], "authority": "y"},
                       token_from="/agreement/sign")
    assert signed.status_code == 302, signed.get_data(as_text=True)[:3000]
    assert_escaped(auth.client.get("/agreement/signed/1").get_data(as_text=True),
                   texts["signatory"], where="signed copy page")
    _assert_pdf_literal(auth.client.get("/agreement/signed/1/download").data, texts, tmp_path)
    for address in (owner.email, admin.email):
        assert_mail(mailbox.last(address), texts["org"])
    assert_mail(mailbox.last(owner.email), texts["signatory"])


CA = "<script>alert(1)</script>CA\"'&"  # the issuing CA's names end in " Signing CA"


def _signed_elsewhere(unsigned: bytes) -> bytes:
    """Signed in another tool with a certificate whose names and fields are markup."""

    now = datetime.now(UTC)
    other = pki.create_authority(CA, "http://127.0.0.1:9", now)
    cred = other.issue_signer(pki.SignerName(evil("cn"), evil("o")[:64], "petra@bakkerij.nl"),
                              now)
    crls, ocsps = other.revocation_material([cred.cert, other.signing_ca.cert,
                                             other.tsa.cert], now)
    return signing.sign(unsigned, signing.credential_signer(cred, other.chain(cred.cert)),
                        field_name="Handtekening", name=evil("name"), reason=evil("reason"),
                        location=evil("location"), timestamper=timestamps.local(other),
                        trust_roots=[other.root.cert],
                        revocation=signing.Revocation(tuple(crls), tuple(ocsps)),
                        long_term=False)


def test_certificate_names_in_uploaded_pdfs_show_as_text(app, owner, mailbox):
    """/verify is public: whatever a certificate in an uploaded PDF says is shown as text."""
    actions = client_for(app, owner)
    prepared, unsigned = _prepared(actions)
    signed = _signed_elsewhere(unsigned)
    accepted = _upload(actions, "/agreement/sign/own", signed, prepared=prepared)
    assert accepted.status_code == 302, accepted.get_data(as_text=True)[:3000]
    issuer = f"{CA} Signing CA"
    copy = actions.client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert_escaped(copy, evil("cn"), issuer, where="signed copy with the trust note")
    assert_mail(mailbox.last(owner.email), evil("cn"))
    final = actions.client.get("/agreement/signed/1/download").data
    anonymous = AuthActions(app.test_client(), app)
    for data in (signed, final):
        page = _upload(anonymous, "/verify", data).get_data(as_text=True)
        assert_escaped(page, evil("cn"), evil("o")[:64], issuer, where="verify report")


# --- SQL in search boxes and filters -------------------------------------------------------

SQL = ["' OR 1=1 --", "%' UNION SELECT password_hash FROM users --", "\\", "%", "_",
       "'; DROP TABLE organizations; --", "\"><script>alert(1)</script>", "a\x00b"]


@pytest.fixture
def two_customers(create_org, create_user, create_staff):
    """The owners of Eigen B.V. and of Geheim B.V., a staff administrator and an announcement."""
    own, other = create_org("Eigen B.V."), create_org("Geheim B.V.")
    owner = create_user(own, ALL_ROLES, email="owner@eigen.nl")
    stranger = create_user(other, ALL_ROLES, email="owner@geheim.nl")
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    announcements.announce(  # its objections can be filtered by status
        "add", reason="Nieuwe partner", actor=Actor(label_override="test"),
        effective_on=utcnow().date() + timedelta(days=40),
        data=subprocessors.SubProcessorData("Postbode", "Postbode B.V.", "Mail",
                                            ("email",), ("NL",)))
    return owner, stranger, admin


@pytest.mark.parametrize("term", SQL, ids=["or", "union", "backslash", "percent", "underscore",
                                           "drop", "markup", "nul"])
def test_sql_in_searches_and_filters_finds_nothing_and_leaks_nothing(app, db, two_customers, term):
    owner, stranger, admin = two_customers
    customer = client_for(app, owner)
    client_for(app, stranger)  # the other customer's sign-in is in the audit log too
    staff = client_for(app, admin)
    checks = [
        (staff, "/staff/customers", {"q": term}, ["Eigen B.V.", "Geheim B.V."]),
        (staff, "/staff/customers", {"q": term, "flag": term, "page": term},
         ["Eigen B.V.", "Geheim B.V."]),
        (staff, "/staff/audit", {"action": term, "actor": term, "date_from": term,
                                 "organization": term}, [owner.email, stranger.email]),
        (customer, "/organization/audit", {"actor": term}, [stranger.email, owner.email]),
        (customer, "/organization/audit", {"action": term, "date_to": term}, [stranger.email]),
        (staff, "/staff/announcements/1", {"status": term}, []),
    ]
    for actions, path, args, hidden in checks:
        response = actions.client.get(f"{path}?{urlencode(args)}")
        page = response.get_data(as_text=True)
        assert response.status_code == (400 if "\x00" in term else 200), (path, args)
        main = page.split("<main", 1)[1]
        for text in hidden:
            assert text not in main, (path, args, text)
        assert "$argon2" not in page
        assert "<script>alert(" not in page
        if "\x00" not in term and "status" not in args:
            assert f'value="{escape(term)}"' in page, (path, args)
    csv = customer.client.get(f"/organization/audit.csv?{urlencode({'actor': term})}")
    assert csv.status_code in (200, 400) and stranger.email not in csv.get_data(as_text=True)
    csv.close()
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2


def test_nul_bytes_in_text_are_refused_not_a_server_error(app, db, two_customers):
    """PostgreSQL cannot store or compare a NUL; SQLite would keep it. Both refuse it now."""
    owner, _stranger, admin = two_customers
    customer, staff = client_for(app, owner), client_for(app, admin)
    anonymous = AuthActions(app.test_client(), app)
    posts = [
        (anonymous, "/login", {"email": "owner@eigen.nl\x00", "password": PASSWORD}),
        (customer, "/account/", {"name": "Nul\x00Byte", "locale": "nl"}),
        (customer, "/organization/invite", {"name": "Nul\x00", "email": "nul@eigen.nl"}),
        (staff, "/staff/customers/new", {
            "name": "Nul\x00 B.V.", "kvk_number": "12345678", "customer_number": "VX-9",
            "address": "a", "postal_code": "1234 AB", "city": "c", "country": "NL",
            "owner_name": "O", "owner_email": "o@nul.nl"}),
    ]
    for actions, path, data in posts:
        token_from = "/login" if actions is anonymous else path
        response = actions.post(path, data, token_from=token_from)
        assert response.status_code == 400, (path, response.status_code)
        assert "<main" in response.get_data(as_text=True)
    for path in ("/verify/VX-1%00", "/subprocessors?x=%00"):
        assert anonymous.client.get(path).status_code == 400, path
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert "\x00" not in db.session.get(User, owner.id).name


# --- file names, sizes and broken files ----------------------------------------------------

SKIP = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}


def _files(root: Path, skip: set[Path] = frozenset()) -> set[Path]:
    found = set()
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [d for d in subfolders
                         if d not in SKIP and Path(folder, d).resolve() not in skip]
        found.update(Path(folder, name) for name in names)
    return found


TRAVERSAL = ["../../../../../../etc/u7q-passwd.pdf", "..\\..\\..\\u7q-win.pdf",
             "%2e%2e%2f%2e%2e%2fu7q-encoded.pdf", "u7q-nul.pdf\x00.txt",
             "/tmp/u7q-absolute.pdf", "....//....//u7q-dots.pdf",
             "<script>alert(1)</script>u7q.pdf"]


def test_upload_file_names_never_choose_where_anything_is_written(app, db, owner, tmp_path):
    actions = client_for(app, owner)
    prepared, unsigned = _prepared(actions)
    instance = Path(app.instance_path).resolve()
    sandbox = tmp_path.parent  # this test run's temporary folders
    before = {p for p in _files(sandbox, {instance}) if not p.name.startswith("portal.db")}
    project = Path.cwd()
    for name in TRAVERSAL:
        for path in ("/verify", "/agreement/sign/own"):
            response = _upload(actions, path, unsigned, name, prepared)
            page = response.get_data(as_text=True)
            assert response.status_code == 200, (path, name)
            assert "<script>alert(" not in page
            # checked on /verify; refused for signing, as it carries no signature
            assert ('id="file-error"' in page) == (path != "/verify"), (path, name)
    after = {p for p in _files(sandbox, {instance}) if not p.name.startswith("portal.db")}
    assert after - before == set()
    for root in (project, Path("/tmp"), Path("/etc"), instance):
        found = [p for p in (_files(root) if root != Path("/tmp") else root.iterdir())
                 if "u7q" in p.name]
        assert found == [], root
    files = Path(app.config["FILES_PATH"])
    for path in _files(files):
        assert path.parent.parent == files and path.parent.name in storage.KINDS, path
        assert re.fullmatch(r"[0-9a-f]{32}", path.name), path
    assert _stored()[0] == 0


DOWNLOADS = ["/agreement/export.json", "/agreement/export.csv", "/organization/audit.csv",
             "/agreement/subprocessors?format=csv", "/agreement/subprocessors?format=json",
             "prepared"]


@pytest.mark.parametrize("path", DOWNLOADS)
def test_download_names_are_safe_whatever_the_customer_number_holds(app, create_org,
                                                                    create_user,
                                                                    create_revision, path):
    # imported data, not through the form (which allows [A-Za-z0-9-])
    org = create_org(customer_number='..\\"a b;c\r')
    user = create_user(org, ALL_ROLES)
    create_revision(org, user)
    actions = client_for(app, user)
    if path == "prepared":
        public_id, _data = _prepared(actions)
        path = f"/agreement/prepared/{quote(public_id)}.pdf?download=1"
    response = actions.client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    disposition = response.headers["Content-Disposition"]
    response.close()
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9][A-Za-z0-9._-]*"', disposition), \
        disposition


@pytest.mark.parametrize("path", ["/verify", "/agreement/sign/own"])
def test_an_upload_over_the_size_limit_gets_a_413_page_and_stores_nothing(app, db, owner, path):
    actions = client_for(app, owner)
    prepared, unsigned = _prepared(actions)
    before = _stored()
    app.config["MAX_CONTENT_LENGTH"] = len(unsigned) + 64 * 1024
    response = _upload(actions, path, unsigned + b"\n%" + b"0" * 128 * 1024, prepared=prepared)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Bestand te groot" in page and "groter dan het portaal accepteert" in page
    assert _stored() == before


BROKEN = ["empty", "header_only", "no_file", "cut_in_prepared", "cut_in_signature",
          "cut_before_end"]


@pytest.mark.parametrize("case", BROKEN)
def test_broken_uploads_get_a_form_error_not_a_server_error(app, db, owner, case):
    actions = client_for(app, owner)
    prepared, unsigned = _prepared(actions)
    data = {"empty": b"", "header_only": b"%PDF-1.7\n", "no_file": None}.get(case)
    if case.startswith("cut"):
        signed = _own_signature(unsigned)
        cut = {"cut_in_prepared": len(unsigned) // 2, "cut_in_signature": len(unsigned) + 300,
               "cut_before_end": len(signed) - 40}[case]
        data = signed[:cut]
    before = _stored()
    own = _upload(actions, "/agreement/sign/own", data, prepared=prepared)
    assert own.status_code == 200 and 'id="file-error"' in own.get_data(as_text=True), case
    verify = _upload(actions, "/verify", data)
    assert verify.status_code == 200, case
    page = verify.get_data(as_text=True)
    assert 'id="file-error"' in page or 'id="result-title"' in page, case
    assert "report--ok" not in page, case  # a broken file is never reported valid
    assert _stored() == before


def _deeply_nested(depth: int = 50_000, after: bytes = b"") -> bytes:
    """A PDF (or an update after ``after``) whose catalog holds arrays nested ``depth`` deep."""
    start = len(after)
    body = (b"\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X " + b"[" * depth + b"]" * depth
            + b" >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
    head = after or b"%PDF-1.7\n"
    data = head + body
    one, two = data.index(b"1 0 obj", start), data.index(b"2 0 obj", start)
    xref = len(data)
    return data + (b"xref\n0 3\n0000000000 65535 f \n%010d 00000 n \n%010d 00000 n \n"
                   b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                   % (one, two, xref))


def test_a_pdf_nested_fifty_thousand_deep_gets_the_cannot_read_answer(app, db, owner, caplog):
    actions = client_for(app, owner)
    for data in (_deeply_nested(), _deeply_nested(after=_own_signature(_prepared(actions)[1]))):
        caplog.clear()
        response = _upload(actions, "/verify", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="file-error"' in page or "report--bad" in page or "report--problem" in page
        assert "report--ok" not in page
        assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"

"""The choices page, the preview, history and exports, as customers and staff use them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from portal.models import Organization

VALID = {
    "services": ["webhosting", "email"], "purposes": ["hosting"],
    "data_categories": ["name_address", "ip_address"], "data_subjects": ["customers"],
    "large_scale": "no", "contact_name": "Fenna de FG", "contact_email": "fg@bakkerij.nl",
    "contact_phone": "+31 30 123 45 67", "signatory_name": "Petra Jansen",
    "signatory_function": "Directeur", "signatory_authority": "director",
    "disposition": "return_then_delete",
}


@pytest.fixture
def people(customer, create_staff):
    """The customer's owner and member, and a member of Voxio's staff."""
    return customer.owner, customer.member, create_staff(email="staff@voxio.nl")


def _save(auth, **changes):
    data = {**VALID, **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return auth.post("/agreement/choices", data, token_from="/agreement/choices")


def test_choices_page_lists_every_item_grouped_and_explained(auth, people):
    auth.login(people[0].email)
    page = auth.client.get("/agreement/choices").get_data(as_text=True)
    assert page.count('type="checkbox"') == 11 + 6 + 32 + 8 + 1  # + the acknowledgement
    for text in ("Webhosting", "Private Network", "Burgerservicenummer (BSN)",
                 "Strafrechtelijke gegevens", "Potentiële klanten"):
        assert text in page
    assert page.index("Webhosting") < page.index("Private Network")
    assert page.count("<fieldset") >= 8 and "<legend>" in page
    assert "UAVG" in page  # the BSN explanation


def test_owner_saves_and_sees_the_tailored_agreement(auth, people):
    auth.login(people[0].email)
    response = _save(auth)
    assert response.status_code == 302 and response.headers["Location"] == "/agreement/preview"
    page = auth.client.get("/agreement/preview").get_data(as_text=True)
    annex = page.split('id="bijlage-1"')[1].split('id="bijlage-2"')[0]
    assert "Webhosting" in annex and "E-mail" in annex and "Colocatie" not in annex
    assert "Bakkerij Jansen B.V." in page and "2018.1" in page
    assert "Artikel 13. Toepasselijk recht en geschillenbeslechting" in page


def test_the_preview_is_the_whole_document_with_contents_and_the_sign_action_at_hand(
        auth, people):
    auth.login(people[0].email)
    _save(auth)
    page = auth.client.get("/agreement/preview").get_data(as_text=True)
    # what the PDF has after the text: the sub-processors, the signature page, the evidence
    for section in ('id="subverwerkers"', 'id="ondertekening"', 'id="bewijsstuk"'):
        assert section in page, section
    signing = page.split('id="ondertekening"')[1].split('id="bewijsstuk"')[0]
    assert "Petra Jansen" in signing and "bij ondertekening" in signing
    assert 'class="agreement-toc"' in page and 'href="#artikel-7"' in page
    assert '<mark class="own-choice">Webhosting' in page  # the customer's own choices stand out
    # the sign action stays in view while reading (sticky), for the owner only
    bar = page.split('class="actions next-step sticky-actions"')[1].split("</div>")[0]
    assert 'href="/agreement/sign"' in bar and 'href="#agreement-toc-title"' in bar
    member = auth.another()
    member.login(people[1].email)
    assert "sticky-actions" not in member.client.get("/agreement/preview").get_data(
        as_text=True)


def test_empty_groups_show_errors_next_to_the_fields_and_keep_input(auth, people):
    auth.login(people[0].email)
    page = _save(auth, services=None, purposes=None, contact_name="Typed Name",
                 data_categories=["ip_address"]).get_data(as_text=True)
    assert 'id="services-error"' in page and 'id="purposes-error"' in page
    assert 'aria-describedby="services-hint services-error"' in page
    assert 'value="Typed Name"' in page
    assert 'id="data_categories-ip_address" name="data_categories" value="ip_address" checked' \
        in page
    assert auth.client.get("/agreement/history").get_data(as_text=True).count("Revisi") == 0


def test_error_summary_follows_the_page_order(auth, people):
    auth.login(people[0].email)
    page = _save(auth, services=None, data_subjects=None, data_categories=["health"],
                 contact_email="geen-adres", signatory_name="").get_data(as_text=True)
    summary = page.split('class="error-summary"')[1].split("</ul>")[0]
    targets = [part.split('"')[0] for part in summary.split('href="#')[1:]]
    assert targets == ["services", "sensitive_ack", "data_subjects", "contact_email",
                       "signatory_name"]
    assert ").:" not in summary and "…:" not in summary
    # a malformed address is called malformed, and the summary names the breach contact
    assert "Contact bij datalekken: e-mailadres: Dit is geen geldig e-mailadres" in summary
    # each target can take focus, so the link moves the keyboard there too
    assert 'id="services" tabindex="-1"' in page and 'id="data_subjects" tabindex="-1"' in page
    # the acknowledgement sits in the personal-data section, under the protected items
    section = page.split('id="data_categories"')[1].split("</fieldset>")[0]
    assert section.index('data-sensitive') < section.index('id="sensitive_ack"')
    ack = section.split('id="sensitive"')[1]
    assert ack.index('id="sensitive_ack-error"') < ack.index('<div class="check">') \
        < ack.index('id="sensitive_ack"') < ack.index('<label for="sensitive_ack"')


def test_standard_text_can_be_read_before_any_choice(auth, people):
    auth.login(people[1].email)  # a member, before the owner chose anything
    page = auth.client.get("/agreement/standard").get_data(as_text=True)
    assert "Artikel 13. Toepasselijk recht en geschillenbeslechting" in page
    assert "Bakkerij Jansen B.V." in page and 'href="/agreement/choices"' not in page.split(
        "<h1>")[1].split("</div>")[0]
    assert "De overeenkomst zelf is in het Nederlands" not in page  # no need to say so in Dutch
    auth.client.set_cookie("lang", "en")
    english = auth.client.get("/agreement/standard").get_data(as_text=True)
    assert "The agreement itself is in Dutch" in english
    assert '<article class="agreement" lang="nl">' in english  # read out as Dutch


def test_over_long_text_is_refused(auth, people):
    auth.login(people[0].email)
    page = _save(auth, other_services="x" * 501).get_data(as_text=True)
    assert 'id="other_services-error"' in page


def test_markup_in_free_text_is_shown_escaped_everywhere(auth, people):
    auth.login(people[0].email)
    evil = '<img src=x onerror="alert(1)">'
    _save(auth, other_services=evil, contact_name=evil)
    for path in ("/agreement/preview", "/agreement/history/1", "/agreement/choices"):
        page = auth.client.get(path).get_data(as_text=True)
        assert evil not in page, path
        assert "&lt;img src=x onerror=" in page, path


def test_flagged_items_need_the_acknowledgement(auth, people):
    auth.login(people[0].email)
    page = _save(auth, data_categories=["name_address", "health"]).get_data(as_text=True)
    assert 'id="sensitive_ack-error"' in page
    assert _save(auth, data_categories=["name_address", "health"],
                 sensitive_ack="y").status_code == 302


def test_suggestions_are_shown_never_ticked(auth, people):
    auth.login(people[0].email)
    _save(auth, services=["email"])
    page = auth.client.get("/agreement/choices").get_data(as_text=True)
    item = page.split('id="data_categories-communication_content"')[1].split("</li>")[0]
    assert "checked" not in item.split(">")[0]
    assert 'data-suggestion-for="communication_content">' in item  # visible, not hidden
    hidden = page.split('data-suggestion-for="cv"')[1].split(">")[0]
    assert "hidden" in hidden


def test_member_sees_choices_read_only_and_cannot_post(auth, people):
    owner, member, _staff = people
    owner_client = auth.another()
    owner_client.login(owner.email)
    _save(owner_client)
    auth.login(member.email)
    page = auth.client.get("/agreement/choices").get_data(as_text=True)
    assert "Webhosting" in page and 'type="checkbox"' not in page
    assert _save(auth).status_code == 403
    assert auth.client.get("/agreement/preview").status_code == 200


def test_history_keeps_earlier_choices(auth, people):
    auth.login(people[0].email)
    _save(auth)
    _save(auth, services=["webhosting", "billing"])
    _save(auth, services=["webhosting", "billing"], contact_name="Nieuwe FG",
          disposition="delete")
    history = auth.client.get("/agreement/history").get_data(as_text=True)
    assert 'class="added"' in history and "Billing" in history and 'class="removed"' in history
    third, second, first = history.split('class="card"')[1:4]
    assert "Eerste keuzes" in first and 'class="added"' not in first
    assert "Diensten" in second and "Contactpunt" not in second
    assert "Contactpunt voor meldingen van datalekken" in third and "Na afloop" in third
    first = auth.client.get("/agreement/preview?revision=1").get_data(as_text=True)
    annex = first.split('id="bijlage-1"')[1].split('id="bijlage-2"')[0]
    assert "E-mail" in annex and "Billing" not in annex


def test_saving_unchanged_choices_says_so(auth, people):
    auth.login(people[0].email)
    _save(auth)
    page = _save(auth).headers["Location"]
    assert page == "/agreement/preview"
    assert auth.client.get("/agreement/history").get_data(as_text=True).count(
        "agreement/history/") == 1


def test_exports(auth, people):
    auth.login(people[0].email)
    _save(auth)
    response = auth.client.get("/agreement/export.json")
    data = json.loads(response.get_data(as_text=True))
    assert "attachment" in response.headers["Content-Disposition"]
    assert data["controller"]["name"] == "Bakkerij Jansen B.V."
    assert data["disposition_at_termination"] == "return_then_delete"
    csv_text = auth.client.get("/agreement/export.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "group,code,key,text,flags"


def test_staff_see_flags_and_history_and_can_filter(auth, people, create_org, create_revision):
    owner, _member, staff = people
    create_revision(create_org("Gewoon B.V."))
    owner_client = auth.another()
    owner_client.login(owner.email)
    _save(owner_client, data_categories=["name_address", "bsn"], sensitive_ack="y",
          large_scale="yes")
    auth.login_user(staff)
    listing = auth.client.get("/staff/customers?flag=sensitive").get_data(as_text=True)
    assert "Bakkerij Jansen" in listing and "Gewoon B.V." not in listing
    detail = auth.client.get(f"/staff/customers/{owner.organization_id}").get_data(as_text=True)
    assert "BSN" in detail and ("100.000" in detail or "100,000" in detail)
    revision = auth.client.get(f"/staff/customers/{owner.organization_id}/agreement/1")
    assert "Burgerservicenummer (BSN)" in revision.get_data(as_text=True)


@pytest.mark.parametrize(("name", "shown"), [
    ("Kwaad\u202eevil", "onzichtbare tekens voor de schrijfrichting"),  # turns neighbours around
    ("Anna 𓀀 Smit", "kan 𓀀 niet afdrukken"),  # no font of the PDF has it
])
def test_a_name_the_pdf_cannot_hold_is_refused_at_the_field_and_kept(auth, people, name, shown):
    auth.login(people[0].email)
    page = _save(auth, contact_name=name).get_data(as_text=True)
    assert 'id="contact_name-error"' in page and shown in page
    assert "Revisi" not in auth.client.get("/agreement/history").get_data(as_text=True)


@pytest.mark.parametrize("name", ["สมชาย ใจดี", "王小明", "김민준", "Ελένη", "مريم الحسيني"])
def test_a_contact_name_in_any_script_saves_and_the_agreement_can_be_signed(auth, people, name):
    auth.login(people[0].email)
    assert _save(auth, contact_name=name).status_code == 302
    page = auth.client.get("/agreement/sign")
    assert page.status_code == 200 and name in page.get_data(as_text=True)


def test_text_saved_before_the_checks_is_explained_not_a_500(db, auth, people):
    auth.login(people[0].email)
    _save(auth)
    # as if saved by an older version of the portal, which did not check
    db.session.execute(update(Organization).values(name="Bakkerij 𓀀 Jansen"))
    db.session.commit()
    response = auth.client.get("/agreement/sign")
    assert response.status_code == 302 and response.headers["Location"] == "/agreement/choices"
    page = auth.client.get("/agreement/choices").get_data(as_text=True)
    assert "kan 𓀀 niet afdrukken" in page


def _hidden(page: str, name: str) -> str:
    return page.split(f'name="{name}"')[1].split('value="')[1].split('"')[0]


def test_a_save_in_a_second_tab_keeps_the_first_tabs_change(auth, people):
    auth.login(people[0].email)
    _save(auth)
    first_tab = auth.client.get("/agreement/choices").get_data(as_text=True)
    second_tab = auth.client.get("/agreement/choices").get_data(as_text=True)
    assert _hidden(first_tab, "based_on") == _hidden(second_tab, "based_on") == "1"
    assert _save(auth, contact_phone="+31 6 11 22 33 44",
                 based_on=_hidden(first_tab, "based_on")).status_code == 302
    # the second tab still shows the old phone; it changes something else
    merged = _save(auth, services=["webhosting", "billing"],
                   based_on=_hidden(second_tab, "based_on"))
    assert merged.status_code == 302
    saved = auth.client.get("/agreement/history/3").get_data(as_text=True)
    assert "+31 6 11 22 33 44" in saved and "Billing" in saved  # both changes kept
    assert "Ondertussen waren er nieuwere keuzes opgeslagen" in saved


def test_the_same_answer_changed_in_two_tabs_is_a_conflict_shown_side_by_side(auth, people):
    auth.login(people[0].email)
    _save(auth)
    first_tab = auth.client.get("/agreement/choices").get_data(as_text=True)
    second_tab = auth.client.get("/agreement/choices").get_data(as_text=True)
    _save(auth, contact_phone="+31 6 11 22 33 44", services=["webhosting", "billing"],
          based_on=_hidden(first_tab, "based_on"))
    stale = _save(auth, contact_phone="+31 20 999 88 77",
                  based_on=_hidden(second_tab, "based_on"))
    page = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "revisie 2" in page
    assert "+31 6 11 22 33 44" in page and "+31 20 999 88 77" in page  # theirs and mine
    assert 'value="billing" checked' in page  # their other change is taken over
    assert 'value="+31 20 999 88 77"' in page  # my answer stays in the form
    history = auth.client.get("/agreement/history").get_data(as_text=True)
    assert history.count("agreement/history/") == 2  # nothing saved by the stale tab
    again = _save(auth, services=["webhosting", "billing"], contact_phone="+31 20 999 88 77",
                  based_on=_hidden(page, "based_on"))
    assert again.status_code == 302

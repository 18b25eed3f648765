"""The staff's announce form: the parts for each kind of change, a preview of whom a change
reaches (which stores and sends nothing), then the announcement; English texts beside the
Dutch ones."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import tasks
from portal.models import (
    Announcement,
    AuditEvent,
    CustomerRole,
    Notice,
    OutboxMessage,
    Role,
    SubProcessor,
    utcnow,
)
from portal.services import mail, subprocessors, subscriptions
from portal.services.context import Actor
from tests.factories import ALL_ROLES, MEMBER, valid_choices
from tests.helpers import AuthActions

PATH = "/staff/subprocessors/announce"
PREVIEW = "/staff/subprocessors/announce/preview"
VISITOR = Actor(ip="192.0.2.7")


@pytest.fixture
def staff(app, db, create_staff):
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    actions = AuthActions(app.test_client(), app)
    actions.login_user(admin)
    return actions


@pytest.fixture
def customers(create_org, create_user, create_revision):
    """Two customers that chose e-mail (four people between them receive notices) and one
    that chose web hosting only; one sub-processor serves web hosting."""
    mail_org = create_org("Aannemer Mail B.V.")
    create_user(mail_org, ALL_ROLES, email="eigenaar@aannemer.nl")
    create_user(mail_org, (CustomerRole.PRIVACY_CONTACT,), email="fg@aannemer.nl")
    create_user(mail_org, (CustomerRole.SIGNATORY,), email="tekenaar@aannemer.nl")  # no notices
    create_user(mail_org, MEMBER, email="lezer@aannemer.nl")  # reads only: no notices
    create_user(mail_org, ALL_ROLES, email="oud@aannemer.nl", active=False)  # left
    create_revision(mail_org, selected={**valid_choices().selected, "services": ("email",)})
    other_mail = create_org("Bakker Mail B.V.")
    create_user(other_mail, ALL_ROLES, email="eigenaar@bakker.nl")
    create_user(other_mail, (CustomerRole.OWNER,), email="tweede@bakker.nl")
    create_revision(other_mail, selected={**valid_choices().selected, "services": ("email",)})
    web = create_org("Web B.V.")
    create_user(web, ALL_ROLES, email="eigenaar@web.nl")
    create_revision(web, selected={**valid_choices().selected, "services": ("webhosting",)})
    return subprocessors.create_active(subprocessors.SubProcessorData(
        "Rekencentrum Noord", "Rekencentrum Noord B.V.", "Servers", ("webhosting",), ("NL",)),
        utcnow().date(), Actor(label_override="test"))


def add_form(**overrides) -> dict:
    return {"kind": "add", "subprocessor": "0", "name": "Postbode Mail",
            "legal_entity": "Postbode Mail B.V., Utrecht", "activity": "Verzenden van e-mail",
            "activity_en": "Sending e-mail", "services": "email", "countries": "nl de",
            "transfer_basis": "", "new_countries": "", "new_transfer_basis": "",
            "reason": "Betere aflevering", "reason_en": "Better delivery",
            "effective_on": (utcnow().date() + timedelta(days=35)).isoformat(), **overrides}


def stored(db) -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Announcement, SubProcessor, Notice, AuditEvent, OutboxMessage))


def confirmed_subscriber(mailbox, email: str) -> None:
    subscriptions.subscribe(email, "nl", VISITOR)
    subscriptions.confirm(mailbox.link(email, "/subprocessors/confirm/").rsplit("/", 1)[1],
                          VISITOR)


def fieldset_of(page: str, field_id: str) -> str:
    """The data-kinds of the fieldset holding the field ``field_id``."""
    for match in re.finditer(r'<fieldset class="card" data-kinds="([a-z ]+)"(.*?)</legend>'
                             r'(.*?)(?=<fieldset class="card"|<label for="reason")', page, re.S):
        if f'id="{field_id}"' in match.group(3):
            return match.group(1)
    return ""


def test_the_form_shows_the_parts_of_each_kind_of_change_and_says_which_is_which(staff):
    page = staff.client.get(PATH).get_data(as_text=True)
    assert fieldset_of(page, "subprocessor") == "remove replace countries"
    for field in ("name", "legal_entity", "activity", "activity_en", "services", "countries",
                  "transfer_basis"):
        assert fieldset_of(page, field) == "add replace", field
    assert fieldset_of(page, "new_countries") == "countries"
    assert fieldset_of(page, "new_transfer_basis") == "countries"
    # Without JavaScript every part shows, with a note; the script hides the other kinds.
    assert " hidden" not in page.split('data-kind-form', 1)[1].split("</form>", 1)[0]
    assert "Vul alleen de delen voor de gekozen wijziging in" in page
    assert '<legend>Wat verandert er?</legend>' in page  # the kinds: a labelled radio group
    assert 'for="activity_en">Wat deze voor Voxio doet (Engels, optioneel)</label>' in page
    assert 'for="reason_en">Reden in het Engels (optioneel)</label>' in page
    # The first step only previews; announcing comes after it.
    assert f'formaction="{PREVIEW}#preview"' in page and "Bekijk wie bericht krijgt" in page
    assert ">Aankondigen</button>" not in page


def test_the_preview_counts_the_customers_a_change_concerns_and_stores_nothing(
        db, staff, customers, mailbox):
    confirmed_subscriber(mailbox, "volger@example.nl")
    confirmed_subscriber(mailbox, "lezer@example.com")
    before, mails = stored(db), len(mailbox.messages)
    response = staff.post(PREVIEW, add_form(), token_from=PATH)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="preview" tabindex="-1" data-autofocus' in page
    assert "2 klanten gebruiken een dienst die deze wijziging raakt" in page
    # owner and privacy contact of the first, both owners of the second; not the signatory,
    # the member or the one who left
    assert "4 personen daar ontvangen berichten" in page
    assert "het contactpunt voor meldingen van datalekken van elke klant" in page
    assert "2 personen volgen het openbare register" in page
    effective = utcnow().date() + timedelta(days=35)
    assert f"gaat in op {effective.day} " in page
    assert stored(db) == before  # no announcement, sub-processor, notice, audit event, mail
    assert tasks.huey.pending_count() == 0
    mail.drain()
    assert len(mailbox.messages) == mails


def test_the_preview_shows_the_customer_email_in_each_language(db, staff, customers):
    page = staff.post(PREVIEW, add_form(), token_from=PATH).get_data(as_text=True)
    assert "Zoals de mensen bij Aannemer Mail B.V. hem lezen, in hun taal:" in page
    dutch, english = re.findall(r'<pre class="mail-sample" lang="(?:nl|en)">(.*?)</pre>',
                                page, re.S)
    assert "Voxio kondigt een wijziging van subverwerkers aan" in page
    assert "Wat Postbode Mail doet: Verzenden van e-mail." in dutch
    assert "Reden: Betere aflevering" in dutch and "Aannemer Mail B.V." in dutch
    assert "What Postbode Mail does: Sending e-mail." in english
    assert "Reason: Better delivery" in english
    assert "Voxio announces a change of sub-processors" in page


def test_the_announce_form_keeps_what_was_typed_after_the_preview(db, staff, customers):
    form = add_form(kind="replace", subprocessor=str(customers.id), countries="NL US",
                    transfer_basis="scc")
    page = staff.post(PREVIEW, form, token_from=PATH).get_data(as_text=True)
    assert "Wie bericht krijgt" in page
    assert 'id="kind-replace" name="kind" value="replace" checked' in page
    assert f'<option selected value="{customers.id}">Rekencentrum Noord</option>' in page
    for name in ("name", "legal_entity", "activity", "activity_en", "countries"):
        assert f'value="{form[name]}"' in page, name
    assert 'value="email" checked' in page or 'checked id="services-' in page
    assert '<option selected value="scc">' in page
    assert "Betere aflevering</textarea>" in page and "Better delivery</textarea>" in page
    assert f'value="{form["effective_on"]}"' in page
    # now the change can be announced, or looked at again
    assert ">Aankondigen</button>" in page and ">Opnieuw bekijken</button>" in page
    assert "Rekencentrum Noord → Postbode Mail" in page
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0


def test_a_preview_with_errors_shows_them_at_the_fields_and_cannot_be_announced_yet(
        db, staff, customers):
    page = staff.post(PREVIEW, add_form(
        kind="countries", new_countries="XX"), token_from=PATH).get_data(as_text=True)
    assert 'id="subprocessor-error"' in page and 'id="new_countries-error"' in page
    assert 'id="preview"' not in page and ">Aankondigen</button>" not in page


def test_announcing_after_the_preview_records_both_languages(db, staff, customers):
    form = add_form()
    staff.post(PREVIEW, form, token_from=PATH)
    response = staff.post(PATH, form, token_from=PATH)
    assert response.status_code == 302
    ann = db.session.scalars(select(Announcement)).one()
    assert (ann.reason, ann.reason_en) == ("Betere aflevering", "Better delivery")
    assert (ann.subprocessor.activity, ann.subprocessor.activity_en) == (
        "Verzenden van e-mail", "Sending e-mail")


def test_a_removal_needs_only_the_sub_processor_the_reason_and_the_date(db, staff, customers):
    form = {"kind": "remove", "subprocessor": str(customers.id), "reason": "Eigen rekencentrum",
            "effective_on": (utcnow().date() + timedelta(days=40)).isoformat()}
    page = staff.post(PREVIEW, form, token_from=PATH).get_data(as_text=True)
    # only the web hosting customer chose what Rekencentrum Noord serves
    assert "1 klant gebruikt een dienst die deze wijziging raakt" in page
    assert "2 personen daar ontvangen berichten" not in page
    assert staff.post(PATH, form, token_from=PATH).status_code == 302


def test_an_english_activity_or_reason_is_checked_like_the_dutch(db, staff, customers):
    page = staff.post(PATH, add_form(activity_en="Mail \u202edivert"),
                      token_from=PATH).get_data(as_text=True)
    assert 'id="activity_en-error"' in page and "schrijfrichting" in page
    assert 'value="Mail \u202edivert"' in page  # kept, to be corrected
    for field, limit in (("activity_en", 500), ("reason_en", 2000)):
        page = staff.post(PATH, add_form(**{field: "z" * (limit + 1)}),
                          token_from=PATH).get_data(as_text=True)
        assert f'id="{field}-error"' in page and f"{limit}" in page, field
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0


def test_a_change_no_customer_is_concerned_by_previews_with_a_stand_in_customer(
        db, staff, customers):
    page = staff.post(PREVIEW, add_form(services="colocation"), token_from=PATH
                      ).get_data(as_text=True)
    assert "0 klanten gebruiken een dienst die deze wijziging raakt" in page
    assert "0 personen daar ontvangen berichten" in page
    assert "Zoals de mensen bij" not in page
    assert "diensten die (naam van de klant) gebruikt" in page
    assert db.session.scalar(select(func.count()).select_from(SubProcessor)) == 1

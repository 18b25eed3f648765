"""Several signatories in order: a director, then the data protection officer. Each signs the
same frozen document in turn with their own one-shot certificate; Voxio countersigns after
the last; the signed PDF carries every signature and the seal, all at B-LTA."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from portal.documents.contract import Signatory
from portal.documents.pades import validation
from portal.models import CustomerRole, SignatureStep, SignedAgreement, utcnow
from portal.services import (
    ServiceError,
    mail,
    preparation,
    signing,
    signing_rounds,
    storage,
    trust,
    users,
)
from portal.services.context import Actor, cli_actor
from tests.documents.tools import pdf_text, pdfsig, qpdf_check

SIGNATORY = (CustomerRole.SIGNATORY,)
DIRECTOR = Signatory("Petra Jansen", "Directeur", "director", "petra@twee.nl")
DPO = Signatory("Femke de Wit", "Functionaris gegevensbescherming", "proxy", "femke@twee.nl")


@pytest.fixture
def team(db, create_org, create_user, create_revision):
    org = create_org("Twee Handtekeningen B.V.")
    director = create_user(org, (CustomerRole.OWNER, *SIGNATORY), email="petra@twee.nl",
                           name="Petra Jansen")
    dpo = create_user(org, (CustomerRole.PRIVACY_CONTACT, *SIGNATORY), email="femke@twee.nl",
                      name="Femke de Wit")
    create_revision(org, signatory=DIRECTOR, co_signatories=(DPO,))
    return org, director, dpo


def _director_signs(org, director):
    prepared = preparation.prepare(org, director, Actor(user=director))
    return signing.sign(prepared, signing.Confirmation("Petra Jansen", "Directeur", True),
                        director, None, Actor(user=director))


def _page(auth):
    return auth.client.get("/agreement/sign").get_data(as_text=True)


def _sign(auth, name, function):
    page = _page(auth)
    prepared = page.split('name="prepared"')[1].split('value="')[1].split('"')[0]
    return auth.post("/agreement/sign", {"prepared": prepared, "name": name,
                                         "function": function, "authority": "y"},
                     token_from="/agreement/sign")


def test_a_director_then_the_dpo_sign_and_voxio_countersigns_after_the_last(
        db, auth, team, mailbox, tmp_path):
    _org, director, dpo = team
    auth.login_user(director)
    page = _page(auth)
    assert "Ondertekenaars, in deze volgorde" in page and 'value="Petra Jansen"' in page
    response = _sign(auth, "Petra Jansen", "Directeur")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SignedAgreement)) == 0
    mail.drain()
    assert "Femke de Wit" in mailbox.text(mailbox.last("femke@twee.nl"))  # her turn
    assert "U hebt ondertekend op" in _page(auth)  # the director waits, no second form
    second = auth.another()
    second.login_user(dpo)
    assert "Tot nu toe ondertekend door Petra Jansen. Nu is Femke de Wit aan de beurt" in \
        second.client.get("/").get_data(as_text=True)  # the start page says where it stands
    assert 'value="Femke de Wit"' in _page(second)
    response = _sign(second, "Femke de Wit", "Functionaris gegevensbescherming")
    assert response.status_code == 302 and "/agreement/signed/1" in response.headers["Location"]
    agreement = db.session.scalar(select(SignedAgreement))
    assert agreement.signatory_name == "Petra Jansen, Femke de Wit"
    mail.drain()  # each signatory hears that it is concluded, the director included
    assert "Femke de Wit" in mailbox.text(mailbox.last("petra@twee.nl"))
    copy = second.client.get("/agreement/signed/1").get_data(as_text=True)
    assert "petra@twee.nl" in copy and "femke@twee.nl" in copy  # who signed where
    signed = storage.get(agreement.file.file_key)
    report = validation.inspect(signed, trust.trust_roots())
    assert report.ok
    assert [(s.field, s.signer, s.level) for s in report.signatures] == [
        ("Verwerkingsverantwoordelijke", "Petra Jansen", "B-LTA"),
        ("Verwerkingsverantwoordelijke 2", "Femke de Wit", "B-LTA"),
        ("Verwerker", report.signatures[2].signer, "B-LTA")]
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    assert pdfsig(path).count("Signature is Valid") >= 3 and qpdf_check(path).returncode == 0
    text = " ".join(pdf_text(path).split())
    assert "Verwerkingsverantwoordelijke, ondertekenaar 2" in text  # a signature block each
    assert "Ondertekenaar 2 Femke de Wit, Functionaris gegevensbescherming; ondertekent na" \
        in text  # and the evidence page lists each
    steps = db.session.scalars(select(SignatureStep)).all()
    assert [(s.position, s.end_reason, s.file_key) for s in steps] == [(1, "completed", None)]


def test_the_second_signatory_cannot_sign_first(db, auth, team):
    _org, _director, dpo = team
    auth.login_user(dpo)
    page = _sign(auth, "Femke de Wit", "Functionaris gegevensbescherming").get_data(as_text=True)
    assert "Petra Jansen ondertekent eerst" in page
    assert db.session.scalar(select(func.count()).select_from(SignatureStep)) == 0


def test_two_signatories_acting_at_once_cannot_both_be_first(app, db, team):
    org, director, dpo = team
    prepared = preparation.prepare(org, director, Actor(user=director))
    prepared_id = prepared.id
    db.session.commit()
    people = [(director.id, "Petra Jansen", "Directeur"), (director.id, "Petra Jansen",
              "Directeur"), (dpo.id, "Femke de Wit", "Functionaris gegevensbescherming")]
    outcomes, barrier = [], threading.Barrier(len(people))

    def sign(user_id, name, function):
        with app.app_context():
            from portal.extensions import db as database
            from portal.models import PreparedDocument, User
            user = database.session.get(User, user_id)
            doc = database.session.get(PreparedDocument, prepared_id)
            barrier.wait()  # the director in two tabs and the DPO, at the same moment
            try:
                result = signing.sign(doc, signing.Confirmation(name, function, True), user,
                                      None, Actor(user=user))
                outcomes.append((name, type(result).__name__))
            except ServiceError as error:  # refused in words, never a crash
                outcomes.append((name, error.message))
            finally:
                database.session.remove()

    threads = [threading.Thread(target=sign, args=person) for person in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    db.session.rollback()  # this thread's read began before the race
    firsts = db.session.scalars(select(SignatureStep).where(SignatureStep.position == 1)).all()
    assert [s.user_id for s in firsts] == [director.id]  # one first signature, hers
    director_outcomes = [o for name, o in outcomes if name == "Petra Jansen"]
    assert director_outcomes == ["SignatureStep", "SignatureStep"]  # her double submit: once
    femke = next(o for name, o in outcomes if name == "Femke de Wit")
    assert femke == "SignedAgreement" or "Petra Jansen ondertekent eerst" in femke


def test_a_double_submit_signs_a_turn_once(db, team):
    org, director, _dpo = team
    prepared = preparation.prepare(org, director, Actor(user=director))
    confirmation = signing.Confirmation("Petra Jansen", "Directeur", True)
    first = signing.sign(prepared, confirmation, director, None, Actor(user=director))
    again = signing.sign(prepared, confirmation, director, None, Actor(user=director))
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(SignatureStep)) == 1


def test_a_change_of_choices_stops_the_round_and_tells_who_signed(
        db, team, mailbox, create_revision):
    org, director, _dpo = team
    _director_signs(org, director)
    create_revision(org, signatory=DIRECTOR, co_signatories=(DPO,), disposition="return")
    step = db.session.scalar(select(SignatureStep))
    assert step.end_reason == "cancelled" and step.file_key is None
    mail.drain()
    assert "keuzes of het document veranderden" in mailbox.text(mailbox.last("petra@twee.nl"))


def test_an_unfinished_round_lapses_after_its_days_with_reminders_before(
        app, db, team, mailbox):
    org, director, _dpo = team
    _director_signs(org, director)
    mail.drain()
    mailbox.messages.clear()
    assert signing_rounds.expire_and_remind(cli_actor()) == ([], [])  # just signed
    remind = app.config["SIGN_REMINDER_DAYS"]
    with freeze_time(utcnow() + timedelta(days=remind, hours=1)):
        assert signing_rounds.expire_and_remind(cli_actor())[1] == [org.customer_number]
        assert signing_rounds.expire_and_remind(cli_actor())[1] == []  # once per interval
    mail.drain()
    assert [m["To"] for m in mailbox.messages] == ["femke@twee.nl"]
    with freeze_time(utcnow() + timedelta(days=app.config["SIGNING_ROUND_DAYS"], hours=1)):
        assert signing_rounds.expire_and_remind(cli_actor())[0] == [org.customer_number]
    assert db.session.scalar(select(SignatureStep.end_reason)) == "expired"
    mail.drain()
    assert "binnen 14 dagen" in mailbox.text(mailbox.last("petra@twee.nl"))


def test_with_several_signatories_there_is_no_own_certificate_upload(auth, team):
    _org, director, _dpo = team
    auth.login_user(director)
    response = auth.client.get("/agreement/sign/own")
    assert response.status_code == 302 and response.headers["Location"].endswith("/agreement/sign")


def test_nobody_signs_in_another_signatorys_place(db, auth, team, create_user):
    org, _director, dpo = team
    colleague = create_user(org, SIGNATORY, email="jan@twee.nl", name="Jan")
    auth.login_user(colleague)  # a signatory, but not one the agreement names
    page = _sign(auth, "Petra Jansen", "Directeur").get_data(as_text=True)
    assert "alleen hun eigen accounts ondertekenen op hun plaats" in page
    femke = auth.another()
    femke.login_user(dpo)  # named, but typing the director's name signs nothing for her
    assert "Petra Jansen ondertekent eerst" in _sign(
        femke, "Petra Jansen", "Directeur").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SignatureStep)) == 0


def test_after_a_round_lapsed_the_same_document_can_be_signed_again(app, db, team):
    org, director, _dpo = team
    _director_signs(org, director)
    with freeze_time(utcnow() + timedelta(days=app.config["SIGNING_ROUND_DAYS"], hours=1)):
        signing_rounds.expire_and_remind(cli_actor())
        again = _director_signs(org, director)  # the unchanged document, prepared before
    assert isinstance(again, SignatureStep) and again.position == 1
    assert db.session.scalar(select(func.count()).select_from(SignatureStep)) == 2


def test_a_signature_after_the_deadline_but_before_the_daily_job_does_not_count(
        app, db, team):
    org, director, dpo = team
    _director_signs(org, director)
    prepared = db.session.scalar(select(SignatureStep)).prepared
    with freeze_time(utcnow() + timedelta(days=app.config["SIGNING_ROUND_DAYS"], hours=1)), \
            pytest.raises(signing_rounds.RoundEnded):
        signing.sign(prepared, signing.Confirmation(DPO.name, DPO.function, True), dpo, None,
                     Actor(user=dpo))
    assert db.session.scalar(select(func.count()).select_from(SignedAgreement)) == 0
    assert db.session.scalar(select(SignatureStep.end_reason)) == "expired"


def test_a_signatory_who_loses_access_mid_round_no_longer_counts(db, team, create_user):
    org, director, dpo = team
    _director_signs(org, director)
    prepared = db.session.scalar(select(SignatureStep)).prepared
    owner = create_user(org, (CustomerRole.OWNER,))
    users.set_active(director, False, Actor(user=owner))
    with pytest.raises(signing_rounds.RoundEnded) as error:
        signing.sign(prepared, signing.Confirmation(DPO.name, DPO.function, True), dpo, None,
                     Actor(user=dpo))
    assert "Petra Jansen" in error.value.message
    assert db.session.scalar(select(func.count()).select_from(SignedAgreement)) == 0


def test_when_the_next_signatory_has_no_account_the_owners_are_asked_to_invite_them(
        db, create_org, create_user, create_revision, mailbox):
    org = create_org("Zonder Account B.V.")
    director = create_user(org, (CustomerRole.OWNER, *SIGNATORY), email="petra@twee.nl",
                           name="Petra Jansen")
    create_revision(org, signatory=DIRECTOR, co_signatories=(DPO,))
    _director_signs(org, director)
    mail.drain()
    text = mailbox.text(mailbox.last("petra@twee.nl"))
    assert "femke@twee.nl heeft nog geen account" in text and "/organization/invite" in text

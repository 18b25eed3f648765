"""Dutch first: every text in the interface has a Dutch translation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal import labels as label_texts
from portal import models
from portal.documents.contract import wording as pdf_wording
from portal.labels import ACTION_LABELS

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "portal" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with CATALOG.open("rb") as fh:
        return read_po(fh)


def test_every_message_is_translated_into_dutch():
    missing = [m.id for m in _catalog() if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert missing == []


def test_no_fuzzy_translations():
    assert [m.id for m in _catalog() if m.id and m.fuzzy] == []


def test_catalog_covers_every_text_in_the_source(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
                    "--no-location", "--ignore-dirs=.*", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                    "-k", "lazy_gettext", "-o", str(pot), str(ROOT)], check=True, cwd=ROOT)
    with pot.open("rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    assert sorted(wanted - have) == [], "run `make messages` and translate the new texts"


def test_placeholders_survive_translation():
    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in _catalog():
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(pattern.findall(ids[-1]))
        for string in strings:
            assert set(pattern.findall(string)) <= wanted | set(pattern.findall(ids[0])), \
                message.id


def test_every_audit_action_has_a_readable_label():
    source = "\n".join(p.read_text() for p in (ROOT / "portal").rglob("*.py"))
    actions = set(re.findall(r'record\(\s*"([a-z_.]+)"', source))
    actions |= set(re.findall(r'"((?:user|auth|account)\.[a-z_]+)" if', source))
    actions |= set(re.findall(r'else "((?:user|auth|account)\.[a-z_]+)"', source))
    assert actions - set(ACTION_LABELS) == set()


def test_templates_switch_language_with_force_locale_and_back(app):
    template = app.jinja_env.from_string(
        "{{ _('Sign in to continue.') }}|"
        "{{ ngettext('%(num)d customer', '%(num)d customers', 3) }}")
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        english = template.render()
        with force_locale("nl"):  # e.g. an e-mail to a Dutch user during an English request
            dutch = template.render()
        assert template.render() == english
    assert english == "Sign in to continue.|3 customers"
    assert dutch == "Log in om verder te gaan.|3 klanten"
    with app.test_request_context("/"):  # no choice: Dutch
        assert template.render() == dutch


@pytest.mark.parametrize(("states", "labels"), [
    ("Role", "ROLE_LABELS"), ("CustomerRole", "CUSTOMER_ROLE_LABELS"),
    ("NoticeKind", "NOTICE_KIND_LABELS"), ("DeliveryStatus", "DELIVERY_STATUS_LABELS"),
    ("InvitationStatus", "INVITATION_STATUS"),
    ("ObjectionStatus", "OBJECTION_STATUS_LABELS"), ("Resolution", "RESOLUTION_LABELS"),
    ("Resolution", "RESOLUTION_LABELS_FOR_CUSTOMER"), ("ChangeKind", "CHANGE_KIND_LABELS"),
    ("FileReason", "FILE_REASON_LABELS"), ("TransferBasis", "TRANSFER_BASIS_LABELS"),
])
def test_every_state_has_one_label(states, labels):
    assert set(getattr(label_texts, labels)) == set(getattr(models, states))


@pytest.mark.parametrize(("states", "wording"), [
    ("ObjectionStatus", "STATUS_TEXT"), ("Resolution", "RESOLUTION_TEXT"),
    ("TransferBasis", "BASIS_TEXT"),
])
def test_the_signed_pdf_words_every_state_it_can_record(states, wording):
    assert set(getattr(pdf_wording, wording)) == {state.value for state in getattr(models, states)}

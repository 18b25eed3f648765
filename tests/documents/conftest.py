"""A throwaway PKI and a tailored agreement, for engine tests that need no app."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from portal.documents.contract import Party, bundled_templates, pdf, tailor
from portal.documents.pades import pki, speedups
from tests.factories import valid_choices

CUSTOMER = Party("Verwerkingsverantwoordelijke", "Bakkerij Jansen B.V.", "12345678",
                 "Dorpsstraat 12, 1234 AB Utrecht", "VX-10001")


@pytest.fixture(scope="session", autouse=True)
def _speedups():
    """As in the portal, which installs them at start-up (each is tested equal to the original)."""
    speedups.install()


@pytest.fixture(scope="session")
def authority() -> pki.Authority:
    return pki.create_authority("Voxio Test", "http://127.0.0.1:5000", datetime.now(UTC))


@pytest.fixture(scope="session")
def choices():
    return valid_choices()


@pytest.fixture(scope="session")
def document(choices):
    return tailor(bundled_templates()[-1], choices, CUSTOMER)


def make_spec(choices, **overrides) -> pdf.PdfSpec:
    data = dict(
        document_id="VX-10001-1",
        verify_url="http://127.0.0.1:5000/verify/VX-10001-1",
        created=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        signatures=(
            pdf.SignatureBlock("Verwerkingsverantwoordelijke", "Bakkerij Jansen B.V.",
                               (("Naam", "Petra Jansen"), ("Functie", "Directeur"),
                                ("Datum", "28 november 2026"))),
            pdf.SignatureBlock("Verwerker", "Voxio Internet Services",
                               (("Namens", "Voxio (elektronisch zegel)"),
                                ("Datum", "28 november 2026"))),
        ),
        evidence=(("Ondertekend door", "Petra Jansen <petra@bakkerij.nl>"),
                  ("SHA-256 van het ongetekende document", "ab" * 32)),
        attachments=(pdf.Attachment("keuzes.json",
                                    json.dumps(choices.to_dict(), ensure_ascii=False).encode(),
                                    "De keuzes voor Bijlage 1"),),
    )
    data.update(overrides)
    return pdf.PdfSpec(**data)


@pytest.fixture(scope="session")
def spec(choices):
    return make_spec(choices)


@pytest.fixture(scope="session")
def unsigned(document, spec) -> bytes:
    return pdf.render(document, spec)

"""The PDF rendering: PDF/A-3b, same words as the preview, customer text kept as text."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from portal.documents.contract import Party, bundled_templates, pdf, tailor
from tests.documents.conftest import make_spec
from tests.documents.tools import body_words, pdf_text, qpdf_check, run


@pytest.fixture
def unsigned_file(tmp_path, unsigned):
    path = tmp_path / "agreement.pdf"
    path.write_bytes(unsigned)
    return path


def test_pdf_is_pdf_a_3b_tagged_with_embedded_fonts(unsigned, unsigned_file):
    assert unsigned.startswith(b"%PDF-")
    assert b"<pdfaid:part>3</pdfaid:part>" in unsigned
    assert b"<pdfaid:conformance>B</pdfaid:conformance>" in unsigned
    info = run("pdfinfo", str(unsigned_file)).stdout
    assert re.search(r"Tagged:\s+yes", info)
    fonts = run("pdffonts", str(unsigned_file)).stdout.splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts), fonts
    assert qpdf_check(unsigned_file).returncode == 0


def test_pdf_words_equal_the_preview_words(document, spec, unsigned_file):
    words = body_words(pdf_text(unsigned_file), spec.document_id)
    agreement = document.words()
    assert words[:len(agreement)] == agreement
    rest = " ".join(pdf.text_lines(document, spec)).split()
    assert words[len(agreement):] == rest


def test_choices_are_attached_as_json(unsigned_file, tmp_path, choices):
    listing = run("pdfdetach", "-list", str(unsigned_file)).stdout
    assert "keuzes.json" in listing
    out = tmp_path / "keuzes.json"
    run("pdfdetach", "-save", "1", "-o", str(out), str(unsigned_file))
    assert json.loads(out.read_text()) == json.loads(json.dumps(choices.to_dict()))


def test_rendering_is_deterministic(document, spec, unsigned):
    assert pdf.render(document, spec) == unsigned


@pytest.mark.parametrize("name", [
    '#pdf.attach("evil.txt", bytes("x")) *vet* _schuin_ $x^2$ <script> @ref',
    "] ) } #let x = 1 \\",
    "مخبز يانسن B.V. — בית הלחם (RTL)",
])
def test_customer_text_is_printed_as_written(tmp_path, choices, name):
    customer = Party("Verwerkingsverantwoordelijke", name, "12345678", "Straat 1", "VX-1")
    document = tailor_with(customer, choices)
    data = pdf.render(document, make_spec(choices, signatures=()))
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    text = " ".join(pdf_text(path).split())
    assert " ".join(f"{name}, KvK 12345678".split()) in text or _rtl_present(name, text)
    assert "evil.txt" not in run("pdfdetach", "-list", str(path)).stdout


def tailor_with(customer, choices):
    return tailor(bundled_templates()[-1], choices, customer)


def _rtl_present(name: str, text: str) -> bool:
    # pdftotext reorders right-to-left runs and marks them; every word must still be there.
    return all(word in text for word in name.split())


def test_poppler_and_qpdf_are_installed():
    for tool in ("pdftotext", "pdfsig", "qpdf"):
        assert subprocess.run(["which", tool], capture_output=True).returncode == 0, tool


def test_the_subprocessors_at_signing_are_listed(tmp_path, document, choices):
    spec = make_spec(choices, subprocessors=(
        pdf.SubProcessorLine("Postbode #Mail *B.V.*", "Verzenden van e-mail", "NL, DE"),
        pdf.SubProcessorLine("Cloud Inc.", "Opslag", "US", "buiten de EU/EER; grondslag: scc"),
    ), objections=("Cloud Inc. (wijziging per 1 januari 2027): bezwaar, ingediend",))
    path = tmp_path / "sub.pdf"
    path.write_bytes(pdf.render(document, spec))
    words = body_words(pdf_text(path), spec.document_id)
    agreement = document.words()
    assert words[len(agreement):] == " ".join(pdf.text_lines(document, spec)).split()
    assert "Postbode #Mail *B.V.*" in " ".join(words)

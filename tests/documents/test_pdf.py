"""The PDF rendering: PDF/A-3b, same words as the preview, customer text kept as text."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from portal.documents.contract import (
    Party,
    Signatory,
    bundled_templates,
    fonts,
    html,
    pdf,
    tailor,
)
from portal.documents.contract.frozen import (
    Checking,
    FrozenDocument,
    ObjectionEntry,
    SubProcessorEntry,
)
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


# --- a prepared document: the HTML page says what the PDF says -----------------------------

@pytest.fixture
def frozen(document):
    return FrozenDocument(
        document=document, document_id="VX-10001-ABC", customer_number="VX-10001",
        verify_url="http://127.0.0.1:5000/verify/VX-10001-ABC",
        created=datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        signatory=Signatory("Petra Jansen", "Directeur", "director"),
        provider="Voxio Internet Services",
        subprocessors=(SubProcessorEntry("Rekencentrum Noord", "Rekencentrum Noord B.V.",
                                         "Servers", ("NL", "US"), True, "scc"),),
        objections=(ObjectionEntry("Postbode", date(2027, 1, 15), date(2026, 12, 1),
                                   "in_review"),),
        choices_json='{"keuzes": true}',
        checking=Checking("http://127.0.0.1:5000/pki/", (("Voxio Root CA", "ab" * 32),), 365, 60))


class _PageText(HTMLParser):
    """The words a reader reads in the document, without its table of contents."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.in_nav = 0

    def handle_starttag(self, tag, attrs):
        self.in_nav += tag == "nav"

    def handle_endtag(self, tag):
        self.in_nav -= tag == "nav"

    def handle_data(self, data):
        if not self.in_nav:
            self.parts.append(data)


def test_the_html_of_a_prepared_document_says_word_for_word_what_its_pdf_says(frozen, tmp_path):
    path = tmp_path / "prepared.pdf"
    path.write_bytes(pdf.render_frozen(frozen))
    page = _PageText()
    page.feed(str(html.render_frozen(frozen)))
    shown = " ".join(page.parts).split()
    assert shown == body_words(pdf_text(path), frozen.document_id)
    for part in ("Rekencentrum Noord", "buiten de EU/EER", "bezwaar van 1 december 2026",
                 "bij ondertekening", "Bewijsstuk van ondertekening"):
        assert part in " ".join(shown), part


def test_the_html_document_has_contents_and_marks_the_customers_own_choices(frozen):
    markup = str(html.render_frozen(frozen))
    contents = markup.split("<nav")[1].split("</nav>")[0]
    for anchor in ("#partijen", "#artikel-1", "#artikel-13", "#bijlage-1", "#bijlage-2",
                   "#subverwerkers", "#ondertekening", "#bewijsstuk"):
        assert f'href="{anchor}"' in contents and f'id="{anchor[1:]}"' in markup, anchor
    marked = markup.count('<mark class="own-choice">')
    chosen = sum(len(annex.entries) for annex in frozen.document.annex1)
    assert marked == chosen + len(frozen.document.details) + 1  # + the legend's example


# --- any text a customer can save, the PDF can show ------------------------------------------

NAMES_IN_EVERY_SCRIPT = {
    "latin": "Zoë Ærøskøbing-Łódź Ñúñez Øystein Şahin",
    "greek": "Ελένη Παπαδοπούλου",
    "cyrillic": "Дмитрий Иванов",
    "arabic": "مريم الحسيني",
    "hebrew": "דוד כהן",
    "chinese": "王小明",
    "japanese": "山田 はなこ カタカナ",
    "korean": "김민준",
    "thai": "สมชาย ใจดี",
}


@pytest.mark.parametrize("script", list(NAMES_IN_EVERY_SCRIPT))
def test_a_contact_name_in_any_script_prints_and_reads_back(tmp_path, frozen, script):
    name = NAMES_IN_EVERY_SCRIPT[script]
    assert fonts.unprintable(name) == ""  # what the portal checks before it saves a name
    path = tmp_path / f"{script}.pdf"
    path.write_bytes(pdf.render_frozen(_with_contact(frozen, name)))
    extracted = " ".join(pdf_text(path).split())
    assert f"{name}, fg@example.com" in extracted or _rtl_present(name, extracted)
    assert qpdf_check(path).returncode == 0


def test_what_no_font_can_show_is_named_before_it_reaches_the_pdf():
    assert fonts.unprintable("Anna 𓀀 Smit 𓀀 𓂀") == "𓀀𓂀"
    assert fonts.printable_only("Browser 𓀀/1.0") == "Browser ?/1.0"


def test_a_direction_override_in_a_name_cannot_turn_its_neighbours_around(tmp_path, frozen):
    path = tmp_path / "rlo.pdf"
    path.write_bytes(pdf.render_frozen(_with_contact(frozen, "Kwaad\u202e")))
    extracted = " ".join(pdf_text(path).split())
    assert "Kwaad, fg@example.com, +31 30 123 45 67" in extracted  # in reading order
    assert "\u202e" not in str(html.render_frozen(_with_contact(frozen, "Kwaad\u202e")))


def test_a_long_unbroken_job_title_wraps_inside_the_page(tmp_path, frozen):
    title = "Hoofd" + "x" * 175  # 180 characters, no space
    frozen = replace(frozen, signatory=Signatory("Petra Jansen", title, "director"))
    path = tmp_path / "long.pdf"
    path.write_bytes(pdf.render_frozen(frozen))
    boxes = run("pdftotext", "-bbox", str(path), "-").stdout
    width = float(re.search(r'<page width="([\d.]+)"', boxes).group(1))
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    assert max(right_edges) <= width  # nothing runs off the page
    extracted = pdf_text(path).replace("\u200b", "").replace("\n", "")
    assert title in extracted  # and the whole title is there


def _with_contact(frozen, name: str):
    document = frozen.document
    details = tuple(replace(d, value=f"{name}, fg@example.com, +31 30 123 45 67")
                    if d.label.startswith("Contactpunt") else d for d in document.details)
    return replace(frozen, document=replace(document, details=details))

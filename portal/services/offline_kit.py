"""The offline verification kit: the portal's own PAdES engine, the roots to trust and how to
run it, as one zip an auditor keeps next to the signed files.

The engine (``portal.documents.pades``) is free of Flask and of the rest of the portal, so the
kit holds just that package, with the versions of the libraries it was tested with.
"""

from __future__ import annotations

import io
import zipfile
from importlib import metadata, resources

from cryptography.hazmat.primitives import serialization
from flask import current_app

from portal.documents.contract.wording import grouped
from portal.services import trust

# what the engine imports (requests: pyhanko-certvalidator's fetcher, imported though never
# used offline); pip brings their own dependencies
LIBRARIES = ("pyHanko", "pyhanko-certvalidator", "asn1crypto", "cryptography", "requests")
PACKAGE = "portal.documents.pades"
# a fixed date inside the zip: the same portal gives the same bytes
ZIP_TIME = (2026, 1, 1, 0, 0, 0)

README = """Voxio DPA portal: offline verification kit
==========================================

Checks a signed data processing agreement (PDF) with nothing but the file and the root
certificate(s) in this kit: no portal, no network. The same engine as the portal's verify page.

1. Python 3.11 or newer, then:   pip install -r requirements.txt
2. In this folder:
   python -m portal.documents.pades.verify agreement.pdf --trust root.pem
   Options: --at 2027-06-01 (check as of a date), --json (machine-readable report),
   --verbose (pyHanko's own messages).
   Exit status 0: every signature is valid and trusted; 1: not valid; 2: the file cannot be
   read; 3: the signatures are intact, but the proof in this copy ran out before the date
   checked (check it online, or fetch a renewed copy).

Compare the fingerprints below with the ones printed in the agreement and published at
{pki_url}

{roots}

The output says until when the file's own revocation proof holds ("offline ... until").
After that date, fetch a renewed copy from the portal (it adds a fresh timestamp regularly)
or check the file online at the address printed in it.

---

Controleert een ondertekende verwerkersovereenkomst (pdf) met alleen het bestand en de
stamcertificaten in deze map, zonder portaal en zonder internet. Stappen als hierboven.
"""


def kit() -> bytes:
    """The kit as zip bytes (the same for the same roots and engine)."""
    roots = trust.checking("")
    pem = b"".join(cert.public_bytes(serialization.Encoding.PEM)
                   for cert in trust.trust_roots())
    files = {
        "README.txt": README.format(
            pki_url=current_app.config["PUBLIC_URL"].rstrip("/") + "/pki/",
            roots="\n".join(f"  {name}\n  SHA-256 {grouped(fingerprint)}"
                             for name, fingerprint in roots.roots)).encode(),
        "requirements.txt": "".join(f"{name}=={metadata.version(name)}\n"
                                    for name in LIBRARIES).encode(),
        "root.pem": pem,
        "portal/__init__.py": b"",
        "portal/documents/__init__.py": b"",
    }
    for source in sorted(resources.files(PACKAGE).iterdir(), key=lambda f: f.name):
        if source.name.endswith(".py"):
            files[f"portal/documents/pades/{source.name}"] = source.read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(f"verify-kit/{name}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable by all once unpacked
            archive.writestr(info, data)
    return out.getvalue()

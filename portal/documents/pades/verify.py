"""Check a signed agreement offline, with the file and the root certificate only.

    python -m portal.documents.pades.verify signed.pdf --trust root.crt [--at 2027-06-01] [--json]

No portal, database or network: the same engine as the verify page, fed with the trust roots
you give it and the revocation proof the file carries. Exit status 0 when every signature is
valid and trusted, 1 when not, 2 when the file or a root cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from cryptography import x509

from . import validation


def load_roots(pem_files: Iterable[bytes]) -> list[x509.Certificate]:
    """Every certificate in the given PEM (or DER) files."""
    roots = []
    for data in pem_files:
        if b"-----BEGIN" in data:
            roots.extend(x509.load_pem_x509_certificates(data))
        else:
            roots.append(x509.load_der_x509_certificate(data))
    return roots


def describe(report: validation.Report) -> str:
    """The report as plain text lines, for a terminal or a log."""
    lines = [f"file      sha256 {report.sha256}, {report.size} bytes, "
             f"{report.revisions} revision(s)",
             f"checked   as of {_when(report.validated_at)}"]
    for check in (*report.signatures, *report.timestamps):
        who = check.signer + (f" ({check.organization})" if check.organization else "")
        lines.append(f"{check.kind:<9} {check.field or '-'}: {who}, issued by {check.issuer}")
        state = "OK" if check.ok or (check.kind == "timestamp" and check.verdict ==
                                     validation.PASSED) else "NOT OK"
        detail = ", ".join(filter(None, [
            check.verdict, check.problem, check.level and f"PAdES {check.level}",
            check.timestamp and f"timestamp {_when(check.timestamp)}",
            "trusted" if check.trusted else "not trusted",
            "changed afterwards" if check.changed_after else ""]))
        lines.append(f"          {state}: {detail}")
    if report.offline_until:
        lines.append(f"offline   the proof in this file holds until "
                     f"{_when(report.offline_until)}; after that, check a newer copy")
    else:
        lines.append("offline   this file carries no revocation proof for its latest timestamp")
    lines.append("result    " + ("VALID: every signature is valid and trusted" if report.ok
                                 else "NOT VALID: see above"))
    return "\n".join(lines)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _date(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.documents.pades.verify",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=argparse.FileType("rb"))
    parser.add_argument("--trust", type=argparse.FileType("rb"), action="append", required=True,
                        help="a trusted root certificate (PEM or DER); repeat for more")
    parser.add_argument("--at", type=_date, help="validate as of this date (ISO 8601)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        roots = load_roots(f.read() for f in args.trust)
        report = validation.inspect(args.file.read(), roots, at=args.at)
    except (ValueError, validation.NotAPdf) as error:
        print(f"cannot check: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2) if args.json else describe(report))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Check a signed agreement offline, with the file and the root certificate only.

    python -m portal.documents.pades.verify signed.pdf --trust root.crt [--at 2027-06-01] [--json]

No portal, database or network: the same engine as the verify page, fed with the trust roots
you give it and the revocation proof the file carries. Exit status 0 when every signature is
valid and trusted; 1 when not; 2 when the file or a root cannot be read; 3 when the signatures
are intact but the proof in the file ran out before the date checked (check online, or a
renewed copy).
"""

from __future__ import annotations

import argparse
import json
import logging
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
    if not intact(report):
        lines.append("result    NOT VALID: the file was changed after signing, or a signature "
                     "is damaged")
        return "\n".join(lines)
    if report.offline_until:
        lines.append(f"offline   the proof in this file holds until "
                     f"{_when(report.offline_until)}; after that, check a newer copy")
    else:
        lines.append("offline   this file carries no revocation proof for its latest timestamp")
    if report.ok:
        lines.append("result    VALID: every signature is valid and trusted")
    elif expired(report):
        lines.append(f"result    CANNOT BE CONFIRMED OFFLINE: the proof in this copy ran out on "
                     f"{_when(report.offline_until)}. The signatures are intact; check the "
                     f"file online or fetch a renewed copy")
    else:
        lines.append("result    NOT VALID: see above")
    return "\n".join(lines)


def intact(report: validation.Report) -> bool:
    """Every signature covers unchanged bytes with a correct signature."""
    return all(c.intact and c.valid and not c.changed_after for c in report.signatures)


def expired(report: validation.Report) -> bool:
    """Intact, but checked after the proof in the file ran out: not a verdict on the file."""
    return (intact(report) and report.offline_until is not None
            and report.validated_at > report.offline_until)


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
    parser.add_argument("--verbose", action="store_true",
                        help="show pyHanko's own messages (every fallback it tries)")
    args = parser.parse_args(argv)
    # pyHanko logs each step it retries (a stale OCSP answer, then the CRL) with a traceback:
    # noise for someone who wants the verdict
    logging.basicConfig(level=logging.INFO if args.verbose else logging.CRITICAL,
                        format="%(name)s: %(message)s")
    try:
        roots = load_roots(f.read() for f in args.trust)
        report = validation.inspect(args.file.read(), roots, at=args.at)
    except (ValueError, validation.NotAPdf) as error:
        print(f"cannot check: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a bug or a missing library is no verdict on the file
        print(f"cannot check: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(report.to_dict(), indent=2) if args.json else describe(report))
    return 0 if report.ok else 3 if expired(report) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Answers the views share: safe redirects, pages of results, downloads."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app, render_template, request, stream_with_context
from werkzeug.utils import secure_filename

from portal.extensions import db
from portal.services import integrity, signed_copies
from portal.web.context import current_actor


def is_safe_next(target: str | None) -> bool:
    """Only local paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def next_url(default: str) -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else default


def paginate(stmt, per_page: int | None = None):
    """A page of ``stmt`` from ``?page=``; out-of-range pages show the last one, not a 404."""
    per_page = per_page or current_app.config["AUDIT_PAGE_SIZE"]
    page = request.args.get("page", 1, type=int) or 1
    result = db.paginate(stmt, page=max(page, 1), per_page=per_page, error_out=False)
    if result.pages and page > result.pages:
        result = db.paginate(stmt, page=result.pages, per_page=per_page, error_out=False)
    return result


def download(body, filename: str, mimetype: str, *, inline: bool = False,
             fallback: str = "download") -> Response:
    """``body`` (bytes, text or an iterator of lines) as a file the browser saves or shows."""
    name = secure_filename(filename) or fallback
    if not isinstance(body, bytes | str):
        body = stream_with_context(body)
    disposition = "inline" if inline else "attachment"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"'})


def csv_response(rows, filename: str) -> Response:
    """Stream CSV lines as a download."""
    return download(rows, filename, "text/csv", fallback="export.csv")


def pdf_response(data: bytes, filename: str, inline: bool = False) -> Response:
    return download(data, filename, "application/pdf", inline=inline, fallback="document.pdf")


def signed_pdf_download(agreement):
    """A signed agreement as a download, or the integrity error page (never unchecked bytes)."""
    try:
        data = signed_copies.signed_pdf(agreement, current_actor())
    except integrity.IntegrityAlert:
        return render_template("signing/integrity_error.html", agreement=agreement), 500
    return pdf_response(data, f"verwerkersovereenkomst-{agreement.public_id}.pdf")

"""The embedded PKI's public face: CA certificates, CRLs, an OCSP responder and a timestamp
server (RFC 3161) for customers who sign in their own software."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, abort, render_template, request, url_for

from portal.extensions import csrf
from portal.services import offline_kit, trust

bp = Blueprint("pki", __name__, url_prefix="/pki")

PUBLISHED = ("root", "signing_ca")


@bp.get("/")
def index():
    auth = trust.authority()
    certs = []
    in_use = trust.certificates_in_use()
    for role in ("root", "signing_ca", "seal", "tsa"):
        cert = getattr(auth, role).cert
        if role in ("root", "signing_ca") or cert in in_use:
            certs.append((url_for("pki.certificate", role=role), cert,
                          trust.grouped_fingerprint(cert)))
    # roots and certificates from a trust service (a qualified seal, an external TSA)
    for cert in in_use:
        if all(cert != c for _url, c, _f in certs):
            certs.append((None, cert, trust.grouped_fingerprint(cert)))
    return render_template("pki/index.html", certs=certs,
                           offline_days=trust.checking("").offline_days)


@bp.get("/verify-kit.zip")
def verify_kit():
    return Response(offline_kit.kit(), mimetype="application/zip",
                    headers={"Content-Disposition": 'attachment; filename="verify-kit.zip"',
                             "Cache-Control": "max-age=3600"})


@bp.get("/<role>.crt")
def certificate(role: str):
    if role not in ("root", "signing_ca", "seal", "tsa"):
        abort(404)
    cert = getattr(trust.authority(), role).cert
    return Response(cert.public_bytes(serialization.Encoding.DER),
                    mimetype="application/pkix-cert",
                    headers={"Content-Disposition": f'attachment; filename="{role}.crt"'})


@bp.get("/<role>.crl")
def crl(role: str):
    if role not in PUBLISHED:
        abort(404)
    return Response(trust.crl(role), mimetype="application/pkix-crl",
                    headers={"Cache-Control": "max-age=3600"})


@bp.post("/ocsp")
@csrf.exempt
def ocsp_post():
    if request.content_length and request.content_length > 10_000:
        abort(413)
    return _ocsp(request.get_data())


@bp.get("/ocsp/<path:encoded>")
def ocsp_get(encoded: str):
    try:
        data = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        abort(400)
    return _ocsp(data)


def _ocsp(data: bytes) -> Response:
    return Response(trust.ocsp(data), mimetype="application/ocsp-response",
                    headers={"Cache-Control": "max-age=300"})


@bp.post("/tsa")
@csrf.exempt
def timestamp():
    # RFC 3161 over HTTP: what Acrobat and other signing software send to a timestamp server
    if request.mimetype != "application/timestamp-query":
        abort(415)
    if request.content_length and request.content_length > 10_000:
        abort(413)
    return Response(trust.answer_timestamp_request(request.get_data()),
                    mimetype="application/timestamp-reply", headers={"Cache-Control": "no-store"})

"""The embedded PKI's public face: CA certificates, CRLs and an OCSP responder."""

from flask import Blueprint

bp = Blueprint("pki", __name__)

from portal.pki import routes  # noqa: E402,F401

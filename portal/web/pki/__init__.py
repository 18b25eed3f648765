"""The embedded PKI's public face: CA certificates, CRLs and an OCSP responder."""

from portal.web.pki.routes import bp

__all__ = ["bp"]

"""Signing: the ceremony, signing with your own certificate, signed copies and reports."""

from portal.web.signing.routes import bp

__all__ = ["bp"]

"""The public verify page: anyone checks a signed agreement without logging in."""

from portal.web.verify.routes import bp

__all__ = ["bp"]

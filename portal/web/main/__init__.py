"""The start page (dashboard), the language switch and the health check."""

from portal.web.main.routes import bp

__all__ = ["bp"]

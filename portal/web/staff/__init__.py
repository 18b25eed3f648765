"""Voxio staff: customers, their people and agreements, staff accounts, audit log, outbox."""

# reviews and notices add their views to routes.bp when imported
from portal.web.staff import notices, reviews  # noqa: F401
from portal.web.staff.routes import bp

__all__ = ["bp"]

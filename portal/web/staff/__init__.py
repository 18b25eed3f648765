"""Voxio staff: customers, their people and agreements, staff accounts, audit log, outbox."""

from portal.web.staff.routes import bp

__all__ = ["bp"]

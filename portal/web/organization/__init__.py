"""A customer's organization: its people, invitations and audit log."""

from portal.web.organization.routes import bp

__all__ = ["bp"]

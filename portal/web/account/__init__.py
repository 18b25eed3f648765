"""The user's own account: details, password, two-step verification, sessions."""

from portal.web.account.routes import bp

__all__ = ["bp"]

"""Signing in and out, two-step verification at sign-in, password reset, invitations, step-up."""

from portal.web.auth.routes import bp

__all__ = ["bp"]

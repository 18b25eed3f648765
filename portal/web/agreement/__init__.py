"""The customer's agreement: Bijlage 1 choices, preview, standard text, history, exports."""

from portal.web.agreement.routes import bp

__all__ = ["bp"]

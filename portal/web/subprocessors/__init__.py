"""The sub-processor register (art. 5.1): public, per customer and for staff, with objections.

``routes``: the public register, its exports and feed; ``customer``: a customer's own view;
``staff``: announcing and withdrawing changes; ``objections``: objecting and handling them;
``subscriptions``: following the register by e-mail.
"""

# The other modules add their views to routes.bp when imported.
from portal.web.subprocessors import customer, objections, staff, subscriptions  # noqa: F401
from portal.web.subprocessors.routes import bp

__all__ = ["bp"]

"""Use cases per area. Each public function that changes data commits once, at the end."""

from __future__ import annotations

from flask_babel import gettext as _


class ServiceError(Exception):
    """A business rule refused the action; ``field`` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ServiceErrors(ServiceError):
    """Several refusals at once, each tied to a field: ``problems`` is [(field, message)]."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__(problems[0][1], problems[0][0])
        self.problems = problems


class NotPermitted(ServiceError):
    """The person's roles do not allow the action (the views refuse it earlier, with 403)."""


def require(user, permission) -> None:
    """Refuse unless ``user`` may do ``permission``; staff and the system act on their own
    rules, checked where they act."""
    if user is not None and user.is_customer and not user.can(permission):
        raise NotPermitted(_("Your roles do not allow this. An owner of your organization can "
                             "give you the role that does."))

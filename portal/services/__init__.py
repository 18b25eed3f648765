"""Use cases per area. Each public function that changes data commits once, at the end."""

from __future__ import annotations


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

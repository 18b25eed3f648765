"""Use cases per area. Each public function that changes data commits once, at the end."""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the action; ``field`` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

"""Who performs an action, and from where: passed into services by blueprints, CLI and tasks."""

from __future__ import annotations

from dataclasses import dataclass, replace

from portal.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    ip: str | None = None
    user_agent: str | None = None
    label_override: str | None = None

    def as_user(self, user: User) -> Actor:
        """The same request, now known to be ``user`` (sign-in, reset, invitation)."""
        return replace(self, user=user)

    @property
    def label(self) -> str:
        if self.label_override:
            return self.label_override
        return self.user.email if self.user is not None else "anonymous"


def cli_actor(name: str = "cli") -> Actor:
    return Actor(label_override=name)

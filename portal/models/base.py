"""The declarative base every model maps onto (plain SQLAlchemy: models need no Flask),
and the mark of models that belong to one organization."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def state_type(states: type[enum.StrEnum], length: int = 20) -> Enum:
    """A column of one state set: stored as its value (VARCHAR), read back as the member."""
    return Enum(states, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda members: [m.value for m in members])


class OrgOwned:
    """Mixin for models that belong to one organization (column ``organization_id``).

    Rows with no organization (staff accounts, staff invitations, system events) are outside
    every customer's scope.
    """

    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )

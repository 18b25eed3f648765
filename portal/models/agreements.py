"""Published agreement templates and each customer's revisions of its Bijlage 1 choices."""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cached_property

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.documents.contract import Choices, Template
from portal.models.accounts import User
from portal.models.base import Base, OrgOwned
from portal.models.types import EncryptedText, UTCDateTime, utcnow


class AgreementTemplate(Base):
    """One published version of the agreement; immutable once stored (database triggers)."""

    __tablename__ = "agreement_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the template
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @cached_property
    def document_template(self) -> Template:
        return Template.from_json(self.content)


class ChoiceRevision(Base, OrgOwned):
    """A saved state of a customer's choices; every save adds one, none is ever changed."""

    __tablename__ = "choice_revisions"
    __table_args__ = (UniqueConstraint("organization_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... per organization
    template_id: Mapped[int] = mapped_column(ForeignKey("agreement_templates.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_label: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # contacts, the signatory and free texts: encrypted at rest (Bijlage 2); the flags and the
    # services index beside it stay queryable
    choices_json: Mapped[str] = mapped_column(EncryptedText("choice_revisions.choices_json"))
    # Flags for Voxio staff, kept as columns so customers can be filtered by them.
    special_categories: Mapped[bool] = mapped_column(Boolean, default=False)
    criminal_data: Mapped[bool] = mapped_column(Boolean, default=False)
    national_id: Mapped[bool] = mapped_column(Boolean, default=False)
    large_scale: Mapped[bool] = mapped_column(Boolean, default=False)

    template: Mapped[AgreementTemplate] = relationship()
    author: Mapped[User | None] = relationship()

    @cached_property
    def choices(self) -> Choices:
        return Choices.from_dict(json.loads(self.choices_json))

    @property
    def author_name(self) -> str:
        """Who saved it, by name where the account still exists."""
        return self.author.name if self.author is not None and self.author.name \
            else self.author_label

    @property
    def flagged(self) -> bool:
        return self.special_categories or self.criminal_data or self.national_id or self.large_scale

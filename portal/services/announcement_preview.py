"""What announcing a sub-processor change would do, shown to staff before they send it: how
many customers it concerns, how many people are e-mailed, and the e-mail itself. Stores
nothing.

The customers are those :func:`portal.services.notifications.create_notices` selects (an
organization that chose a service the change touches); the people those
:func:`portal.services.deliveries.recipients` e-mails, counted in SQL (the art. 7.3 contact
of each customer's choices, who may have no account, is encrypted and only named, not
counted).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Announcement, Organization, OrganizationService, Permission, User
from portal.services import announcements, mail, notifications, subscriptions


@dataclass(frozen=True)
class Sample:
    """The customer e-mail in one language."""

    locale: str
    subject: str
    text: str


@dataclass(frozen=True)
class Preview:
    announcement: Announcement  # as it would be recorded; not stored
    customers: int  # organizations whose chosen services the change touches
    people: int  # at those: active people whose roles receive notices
    subscribers: int  # confirmed e-mail subscribers of the public register
    sample_customer: str  # whose e-mail the samples show ("" when the change concerns none)
    samples: tuple[Sample, ...]


def preview(kind: str, **values) -> Preview:
    """Check the change as :func:`announcements.announce` would (same arguments, no actor)
    and say whom it would reach."""
    ann = announcements.draft(kind, **values)
    concerned = (select(OrganizationService.organization_id).distinct()
                 .where(OrganizationService.service.in_(sorted(ann.affected_services()))))
    customers = db.session.scalar(select(func.count()).select_from(concerned.subquery()))
    people = db.session.scalar(select(func.count(User.id)).where(
        User.organization_id.in_(concerned), User.active.is_(True),
        User.holding(Permission.RECEIVE_NOTICES)))
    sample = db.session.scalar(select(Organization).where(Organization.id.in_(concerned))
                               .order_by(Organization.name, Organization.id).limit(1))
    return Preview(ann, customers or 0, people or 0, subscriptions.subscriber_count(),
                   sample.name if sample is not None else "",
                   tuple(_sample(ann, sample, locale)
                         for locale in current_app.config["LANGUAGES"]))


def _sample(ann: Announcement, org: Organization | None, locale: str) -> Sample:
    with force_locale(locale):
        subject = notifications.subject(ann)  # the notice's own subject, not a copy
        name = _("(the recipient's name)")
        org = org if org is not None else Organization(name=_("(the customer's name)"))
    message = mail.render("subprocessor_notice", "", subject, locale, announcement=ann,
                          organization=org, name=name)
    return Sample(locale, message.subject, message.text)

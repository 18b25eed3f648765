"""E-mail subscriptions to the public sub-processor register (art. 5.1): anyone, no account.

Double opt-in: :func:`subscribe` e-mails a confirmation link; only :func:`confirm` (a POST
from the page that link opens, never the GET a mail scanner makes) makes the subscription
active. Announced and withdrawn changes reach every active subscriber through the task queue,
like the customers' notices (services.notifications), in the subscriber's language.

Links: the confirmation token is random and single-use; only its SHA-256 is stored (like
invitations). The unsubscribe link must be in every e-mail (``List-Unsubscribe``, RFC 2369, and
one-click ``List-Unsubscribe-Post``, RFC 8058), so its token is derived: an HMAC of the
subscription's random salt under SECRET_KEY. Only its SHA-256 is stored, to find the row; a
copy of the database alone holds no working link. (A new SECRET_KEY voids the unsubscribe links
in e-mails already sent; subscribing again brings a reminder with a fresh one.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import (
    Announcement,
    RegisterEvent,
    RegisterMailing,
    RegisterSubscription,
    utcnow,
)
from portal.services import ServiceError, audit, mail
from portal.services.accounts import normalise_email
from portal.services.context import Actor, cli_actor
from portal.tasks import app_context, huey

CONFIRM_DAYS = 7  # a confirmation link works this long; then the request is removed
RESEND_AFTER = timedelta(minutes=5)  # at most one e-mail on request per address in this time
ENDED_KEPT = timedelta(days=30)  # an ended subscription is removed after this
MAIL_CHUNK = 500
TEMPLATES = {RegisterEvent.ANNOUNCED: "register_change",
             RegisterEvent.WITHDRAWN: "register_withdrawn"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unsubscribe_token(sub: RegisterSubscription) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"register-unsubscribe:{sub.link_salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _new_links(sub: RegisterSubscription) -> None:
    """A fresh unsubscribe link (links sent for an earlier subscription stop working)."""
    sub.link_salt = secrets.token_hex(16)
    sub.unsubscribe_hash = _digest(_unsubscribe_token(sub))


def unsubscribe_url(sub: RegisterSubscription) -> str:
    return mail.link("subprocessors.unsubscribe", token=_unsubscribe_token(sub))


def list_headers(url: str) -> dict[str, str]:
    """RFC 2369 and RFC 8058: mail programs offer a one-click unsubscribe."""
    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _valid_for() -> timedelta:
    return timedelta(days=CONFIRM_DAYS)


# --- subscribing --------------------------------------------------------------------------

def subscribe(email: str, locale: str | None, actor: Actor, now: datetime | None = None) -> None:
    """E-mail ``email`` a confirmation link; a confirmed subscriber gets a reminder with the
    unsubscribe link instead. Either way one e-mail is sent (at most one per address per
    RESEND_AFTER), so neither the answer nor its timing tells whether the address subscribes.
    """
    now = now or utcnow()
    email = normalise_email(email)
    cfg = current_app.config
    locale = locale if locale in cfg["LANGUAGES"] else cfg["BABEL_DEFAULT_LOCALE"]
    sub = db.session.scalar(select(RegisterSubscription)
                            .where(RegisterSubscription.email == email).with_for_update())
    if sub is None:
        sub = RegisterSubscription(email=email, locale=locale, created_at=now,
                                   mailed_at=now - RESEND_AFTER)
        _new_links(sub)
        db.session.add(sub)
        try:
            db.session.flush()
        except IntegrityError:  # the same address sent twice at once: the other one mails
            db.session.rollback()
            return
    elif not sub.active and not sub.pending(now, _valid_for()):  # ended or expired: anew
        sub.created_at, sub.confirmed_at, sub.unsubscribed_at = now, None, None
        sub.mailed_at = now - RESEND_AFTER
        _new_links(sub)
    mailed = now - sub.mailed_at >= RESEND_AFTER
    if mailed:
        sub.mailed_at = now
        if sub.active:
            url = unsubscribe_url(sub)
            mail.send("register_subscribed", sub.email,
                      _l("You already receive changes to Voxio's sub-processors"),
                      locale=locale, headers=list_headers(url), unsubscribe_url=url)
        else:
            token = secrets.token_urlsafe(32)
            sub.confirmation_hash, sub.locale = _digest(token), locale
            mail.send("register_confirm", sub.email,
                      _l("Confirm your subscription to changes to Voxio's sub-processors"),
                      locale=locale, token=token, days=CONFIRM_DAYS)
    if mailed:  # a repeat within minutes changes nothing and is not logged again
        audit.record("subscription.requested", actor=actor, obj=sub, details={"mailed": True})
    db.session.commit()


def find_pending(token: str, now: datetime | None = None) -> RegisterSubscription | None:
    """The subscription a confirmation link is for, while the link is valid; else None."""
    if not token:
        return None
    sub = db.session.scalar(select(RegisterSubscription).where(
        RegisterSubscription.confirmation_hash == _digest(token)))
    if sub is None or not sub.pending(now or utcnow(), _valid_for()):
        return None
    return sub


def confirm(token: str, actor: Actor, now: datetime | None = None) -> RegisterSubscription:
    """Make the subscription active; the link then stops working."""
    now = now or utcnow()
    sub = find_pending(token, now)
    if sub is None:
        raise ServiceError(_("This confirmation link is no longer valid: it was used, or it is "
                             "more than %(days)d days old. Subscribe again to get a new one.",
                             days=CONFIRM_DAYS))
    sub.confirmed_at, sub.confirmation_hash = now, None
    audit.record("subscription.confirmed", actor=actor, obj=sub)
    db.session.commit()
    return sub


def for_unsubscribe_token(token: str) -> RegisterSubscription | None:
    """The subscription an unsubscribe link is for (active or already ended), or None."""
    if not token:
        return None
    sub = db.session.scalar(select(RegisterSubscription).where(
        RegisterSubscription.unsubscribe_hash == _digest(token)))
    if sub is None or (sub.confirmed_at is None and sub.unsubscribed_at is None):
        return None  # never mailed a link: a guess
    return sub


def unsubscribe(token: str, actor: Actor, *, one_click: bool = False,
                now: datetime | None = None) -> RegisterSubscription | None:
    """End the subscription (again is fine); None for an unknown link."""
    sub = for_unsubscribe_token(token)
    if sub is None:
        return None
    if sub.active:
        sub.unsubscribed_at = now or utcnow()
        audit.record("subscription.ended", actor=actor, obj=sub,
                     details={"via": "one-click" if one_click else "page"})
        db.session.commit()
    return sub


def subscriber_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RegisterSubscription).where(
        RegisterSubscription.confirmed_at.is_not(None),
        RegisterSubscription.unsubscribed_at.is_(None)))


# --- removing what is no longer needed ----------------------------------------------------

def remove_stale(now: datetime | None = None) -> int:
    """Remove requests never confirmed in time and subscriptions ended ENDED_KEPT ago; the
    number removed (``flask subprocessors clean-subscriptions``, daily)."""
    removed = _remove_stale(now or utcnow())
    db.session.commit()
    return removed


def _remove_stale(now: datetime) -> int:
    stale = select(RegisterSubscription.id).where(or_(
        and_(RegisterSubscription.confirmed_at.is_(None),
             RegisterSubscription.unsubscribed_at.is_(None),
             RegisterSubscription.mailed_at <= now - _valid_for()),
        RegisterSubscription.unsubscribed_at <= now - ENDED_KEPT))
    ids = db.session.scalars(stale).all()
    if not ids:
        return 0
    db.session.execute(delete(RegisterMailing).where(RegisterMailing.subscription_id.in_(ids)))
    db.session.execute(delete(RegisterSubscription).where(RegisterSubscription.id.in_(ids))
                       .execution_options(synchronize_session=False))
    audit.record("subscription.removed", actor=cli_actor("system"), details={"count": len(ids)})
    return len(ids)


# --- telling subscribers, through the task queue -------------------------------------------

def announce_later(announcement_id: int) -> None:
    """Queue the subscribers' e-mails about an announced change (after it is committed)."""
    fan_out(announcement_id, RegisterEvent.ANNOUNCED.value)


def withdrawal_later(announcement_id: int) -> None:
    """Queue the e-mails that take an announcement back, to whoever was told about it."""
    fan_out(announcement_id, RegisterEvent.WITHDRAWN.value)


@huey.task(retries=3, retry_delay=30)
def fan_out(announcement_id: int, event: str) -> int:
    with app_context():
        return queue_mails(announcement_id, RegisterEvent(event))


def queue_mails(announcement_id: int, event: RegisterEvent) -> int:
    """Queue the e-mails, in chunks, for every active subscriber not yet sent this one."""
    due = db.session.scalars(_due(announcement_id, event)
                             .with_only_columns(RegisterSubscription.id)
                             .order_by(RegisterSubscription.id)).all()
    for start in range(0, len(due), MAIL_CHUNK):
        mail_subscribers(announcement_id, event.value, due[start:start + MAIL_CHUNK])
    return len(due)


@huey.task(retries=3, retry_delay=30)
def mail_subscribers(announcement_id: int, event: str, subscription_ids: list[int]) -> int:
    with app_context():
        return send_mails(announcement_id, RegisterEvent(event), subscription_ids)


def send_mails(announcement_id: int, event: RegisterEvent, subscription_ids: list[int]) -> int:
    """E-mail these subscribers, once each; a repeated task finds them done."""
    ann = db.session.get(Announcement, announcement_id)
    if ann is None or (event == RegisterEvent.ANNOUNCED and ann.withdrawn_at is not None):
        return 0  # withdrawn before its e-mails went out: nobody needs to hear of it
    todo = db.session.scalars(_due(ann.id, event)
                              .where(RegisterSubscription.id.in_(subscription_ids))
                              .with_for_update()).all()
    now = utcnow()
    for sub in todo:
        url = unsubscribe_url(sub)
        with force_locale(sub.locale):
            subject = _subject(ann, event)
        mail.send(TEMPLATES[event], sub.email, subject, locale=sub.locale,
                  headers=list_headers(url), announcement=ann, unsubscribe_url=url)
        db.session.add(RegisterMailing(subscription_id=sub.id, announcement_id=ann.id,
                                       event=event, mailed_at=now))
    db.session.commit()
    return len(todo)


def _due(announcement_id: int, event: RegisterEvent):
    """Active subscriptions not yet sent ``event`` for the announcement; a withdrawal only to
    those who were told of the announcement."""
    def mailed(which: RegisterEvent):
        return exists().where(RegisterMailing.subscription_id == RegisterSubscription.id,
                              RegisterMailing.announcement_id == announcement_id,
                              RegisterMailing.event == which)

    stmt = select(RegisterSubscription).where(
        RegisterSubscription.confirmed_at.is_not(None),
        RegisterSubscription.unsubscribed_at.is_(None), ~mailed(event))
    if event == RegisterEvent.WITHDRAWN:
        stmt = stmt.where(mailed(RegisterEvent.ANNOUNCED))
    return stmt


def _subject(ann: Announcement, event: RegisterEvent) -> str:
    if event == RegisterEvent.WITHDRAWN:
        return _("Voxio withdraws an announced change of sub-processors")
    return _("Voxio announces a change of sub-processors (effective %(date)s)",
             date=format_date(ann.effective_on, "long"))

"""The one way the portal sends e-mail.

``send`` renders a text and an HTML body from ``templates/email/<name>.txt|html`` in the
recipient's language. Delivery follows the caller's transaction: with the development outbox
the message is a row committed (or rolled back) with the action; with SMTP it is handed to the
server only after the transaction commits, so a failed action never sends mail. SMTP delivery
runs on a background thread: the response does not wait for the mail server, and its timing
does not tell whether a message was sent (e.g. a reset link for an existing account).

Extra headers (e.g. ``List-Unsubscribe``, RFC 2369/8058) travel with the message: in the SMTP
message, and in the outbox row.
"""

from __future__ import annotations

import atexit
import json
import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import OutboxMessage

log = logging.getLogger(__name__)

_PENDING = "portal_pending_mail"
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
_in_flight: set[Future] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Mail:
    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, in order


def link(endpoint: str, **values) -> str:
    """An absolute link on PUBLIC_URL (never on the request's Host header, which can be forged)."""
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def render(template: str, recipient: str, subject, locale: str | None, *,
           headers: Mapping[str, str] | None = None, **context) -> Mail:
    """Render a message in ``locale`` (the portal default when None)."""
    cfg = current_app.config
    with force_locale(locale or cfg["BABEL_DEFAULT_LOCALE"]):
        context.setdefault("public_url", cfg["PUBLIC_URL"])
        context.setdefault("link", link)
        return Mail(
            sender=cfg["MAIL_DEFAULT_SENDER"],
            recipient=recipient,
            subject=str(subject),
            text=render_template(f"email/{template}.txt", **context),
            html=render_template(f"email/{template}.html", subject=str(subject), **context),
            headers=tuple((headers or {}).items()),
        )


def send(template: str, recipient: str, subject, *, locale: str | None = None,
         headers: Mapping[str, str] | None = None, **context) -> Mail:
    """Queue a message with the current transaction."""
    mail = render(template, recipient, subject, locale, headers=headers, **context)
    if current_app.config["MAIL_SERVER"]:
        db.session.info.setdefault(_PENDING, []).append((current_app._get_current_object(), mail))
    else:
        _to_outbox(mail)
    return mail


def _to_outbox(mail: Mail) -> None:
    db.session.add(OutboxMessage(
        sender=mail.sender, recipient=mail.recipient, subject=mail.subject,
        text_body=mail.text, html_body=mail.html,
        headers=json.dumps(mail.headers) if mail.headers else None))


def deliver_now(mail: Mail) -> str:
    """Hand one message over at once (in a task, which records the outcome): "" when the
    mail server accepted it, else why not. The development outbox keeps it with the
    caller's transaction."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        _to_outbox(mail)
        return ""
    try:
        deliver_smtp(mail, config)
    except (OSError, smtplib.SMTPException) as error:
        log.warning("mail to %s was not accepted: %s", mail.recipient, error)
        return f"{type(error).__name__}: {error}"
    return ""


def to_message(mail: Mail, config) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = mail.sender
    msg["To"] = mail.recipient
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=config["PUBLIC_URL"].split("//", 1)[-1].split(":")[0])
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers:
        msg[name] = value
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


def deliver_smtp(mail: Mail, config) -> None:
    """Hand one message to the configured SMTP server (STARTTLS or TLS when configured)."""
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            client.starttls(context=context)
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        client.send_message(to_message(mail, config))


def _deliver(mail: Mail, config: dict) -> None:
    try:
        deliver_smtp(mail, config)
    except (OSError, smtplib.SMTPException):
        log.exception("mail to %s could not be delivered", mail.recipient)


def drain(timeout: float = 30) -> None:
    """Wait until every message handed to the mail thread has been delivered (or failed)."""
    with _lock:
        futures = list(_in_flight)
    wait(futures, timeout=timeout)


atexit.register(drain)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    for app, mail in session.info.pop(_PENDING, None) or ():
        future = _executor.submit(_deliver, mail, dict(app.config))
        with _lock:
            _in_flight.add(future)
        future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _lock:
        _in_flight.discard(future)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)

"""``flask`` commands: demo data, audit verification, staff bootstrap, keys, the PKI, daily jobs,
the task worker."""

from __future__ import annotations

import json
from datetime import UTC

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal import tasks
from portal.extensions import db
from portal.models import Role, User, utcnow
from portal.services import (
    ServiceError,
    access_list,
    access_reviews,
    announcements,
    audit,
    column_keys,
    invitations,
    monitoring,
    orphans,
    renewal,
    sign_reminders,
    signing_rounds,
    storage,
    subscriptions,
    trust,
    twofactor,
    verification,
)
from portal.services.context import cli_actor
from portal.services.demo import DEMO_PASSWORD, create_demo
from portal.services.encryption import new_key_spec


def register(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(audit_group)
    app.cli.add_command(staff_group)
    app.cli.add_command(keys_group)
    app.cli.add_command(pki_group)
    app.cli.add_command(agreements_group)
    app.cli.add_command(tasks_group)
    app.cli.add_command(subprocessors_group)
    app.cli.add_command(storage_group)
    app.cli.add_command(monitor_group)
    app.cli.add_command(reviews_group)
    app.cli.add_command(access_group)


seed = AppGroup("seed", help="Load data.")


@seed.command("demo")
def seed_demo() -> None:
    """Create demo accounts (development only; idempotent)."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("demo data is for development only")
    created = create_demo()
    click.echo("Demo accounts" + (" created" if created else " (already present)") + ":")
    for user in db.session.scalars(select(User).order_by(User.role, User.email)):
        org = user.organization.name if user.organization else "Voxio"
        click.echo(f"  {user.email:<34} {user.role.value:<16} {org}")
    click.echo(f"  password for every demo account: {DEMO_PASSWORD}")
    click.echo("  staff accounts set up two-step verification at first sign-in.")


audit_group = AppGroup("audit", help="The audit log.")


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 and name the first broken link if it is broken."""
    report = audit.verify_chain()
    if report.ok:
        click.echo(f"audit chain intact: {report.checked} events verified")
        return
    click.echo(f"audit chain BROKEN at event #{report.broken_seq}: {report.reason}", err=True)
    raise SystemExit(1)


staff_group = AppGroup("staff", help="Voxio staff accounts.")


@staff_group.command("invite-admin")
@click.argument("email")
@click.argument("name")
def invite_admin(email: str, name: str) -> None:
    """Invite a staff administrator by e-mail (bootstraps a new installation)."""
    try:
        invitation = invitations.invite(None, email, name, Role.STAFF_ADMIN, cli_actor())
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    where = "the outbox" if not current_app.config["MAIL_SERVER"] else "their mailbox"
    click.echo(f"invitation for {invitation.email} sent; the link is in {where}")


keys_group = AppGroup("keys", help="Encryption keys for data at rest (ENCRYPTION_KEYS).")


@keys_group.command("new")
@click.argument("key_id", default="k1")
def keys_new(key_id: str) -> None:
    """Print a new keyring entry; put it first in ENCRYPTION_KEYS to start using it."""
    click.echo(new_key_spec(key_id))


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt stored secrets under the first key of ENCRYPTION_KEYS."""
    changed = twofactor.reencrypt_secrets(cli_actor())
    click.echo(f"re-encrypted {changed} TOTP secret(s) under the current key")
    files = sum(storage.rotate(key) for key in storage.all_keys())
    click.echo(f"re-encrypted {files} stored file(s) under the current key")
    values = column_keys.rotate(cli_actor())
    click.echo(f"re-encrypted {values} database value(s) (choices, prepared documents, "
               f"outbox) under the current key")
    if (trust.pki_path() / "root.crt").exists():
        click.echo(f"re-encrypted {trust.rotate_keys()} PKI key(s) under the current key")


pki_group = AppGroup("pki", help="The embedded PKI (root CA, signing CA, seal, TSA).")


@pki_group.command("init")
def pki_init() -> None:
    """Create the embedded PKI unless it exists (idempotent)."""
    created = trust.initialise(cli_actor())
    auth = trust.authority()
    click.echo(("created" if created else "exists") + f": {auth.root.cert.subject.rfc4514_string()}"
               f" in {trust.pki_path()}")


agreements_group = AppGroup("agreements", help="Signed agreements.")


@agreements_group.command("renew-timestamps")
def renew_timestamps() -> None:
    """Add a fresh archive timestamp where the last one ages (idempotent; run daily)."""
    result = renewal.renew_due(cli_actor("renewal"))
    click.echo(f"renewed {len(result.renewed)} agreement(s)")
    for public_id, error in result.failed:
        click.echo(f"FAILED {public_id}: {error}", err=True)
    if result.failed:
        raise SystemExit(1)


@agreements_group.command("remind")
def remind_to_sign() -> None:
    """E-mail customers that have a date to sign by and have not signed, every
    SIGN_REMINDER_DAYS, through the task queue (idempotent; run daily)."""
    reminded = sign_reminders.remind_due()
    click.echo(f"reminded {len(reminded)} customer(s)")


@agreements_group.command("rounds")
def signing_rounds_job() -> None:
    """End rounds of several signatories that took too long; remind the next signatory."""
    expired, reminded = signing_rounds.expire_and_remind(cli_actor("scheduler"))
    click.echo(f"expired {len(expired)}: {' '.join(expired)}")
    click.echo(f"reminded {len(reminded)}: {' '.join(reminded)}")


@agreements_group.command("verify")
@click.argument("file", type=click.File("rb"))
@click.option("--at", type=click.DateTime(), help="Validate as of this date (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_file(file, at, as_json: bool) -> None:
    """Check a signed PDF offline (trust roots + the file's own proof); exit 1 unless valid.

    Without the portal: python -m portal.documents.pades.verify FILE --trust root.crt
    """
    try:
        text, data, ok = verification.check_file(file.read(), at and at.replace(tzinfo=UTC))
    except ValueError as error:  # not a PDF we can read
        raise click.ClickException(str(error)) from error
    click.echo(json.dumps(data, indent=2) if as_json else text)
    if not ok:
        raise SystemExit(1)


storage_group = AppGroup("storage", help="Stored documents.")


@storage_group.command("sweep")
def sweep_orphans() -> None:
    """Delete documents no record names (left by a crash mid-write); run daily."""
    removed = orphans.sweep(cli_actor("scheduler"))
    click.echo(f"removed {len(removed)} unreferenced file(s)")


monitor_group = AppGroup("monitor", help="Monitoring of the portal's own measures.")


@monitor_group.command("check")
def monitor_check() -> None:
    """Check the audit chain, bursts of failures and the task queue; alert staff (cron, every
    few minutes). Exit 1 when something was found."""
    findings = monitoring.check()
    for finding in findings:
        click.echo(f"ALERT {finding.kind}: {finding.summary}", err=True)
    click.echo(f"{len(findings)} finding(s); {len(monitoring.open_alerts())} open alert(s)")
    if findings:
        raise SystemExit(1)


access_group = AppGroup("access", help="Customers' periodic check of who has access.")


@access_group.command("remind")
def access_remind() -> None:
    """E-mail owners whose access check is due, once per due date (run daily)."""
    reminded = access_list.remind_due()
    click.echo(f"reminded {len(reminded)} customer(s)")


reviews_group = AppGroup("reviews", help="Monthly sample checks of access (Bijlage 2).")


@reviews_group.command("draw")
@click.option("--period", help="The month, YYYY-MM (default: the previous month).")
def reviews_draw(period: str | None) -> None:
    """Draw the month's sample of access events for review (idempotent; run daily)."""
    period = period or access_reviews.previous_month(utcnow().date())
    review = access_reviews.draw(period, cli_actor("scheduler"))
    click.echo(f"{review.period}: {len(review.items)} of {review.population} event(s) to review")


tasks_group = AppGroup("tasks", help="The background task queue (Huey).")


@tasks_group.command("worker")
@click.option("--workers", default=2, show_default=True)
def tasks_worker(workers: int) -> None:
    """Run the task queue's worker (SQLite queue in the instance folder, or Redis)."""
    tasks.consumer(workers).run()


subprocessors_group = AppGroup("subprocessors", help="The sub-processor register.")


@subprocessors_group.command("clean-subscriptions")
def clean_subscriptions() -> None:
    """Remove register subscriptions never confirmed in time or ended a while ago."""
    click.echo(f"removed {subscriptions.remove_stale()}")


@subprocessors_group.command("apply-due")
def apply_due() -> None:
    """Make announced changes whose effective date has come (idempotent; run daily)."""
    applied = announcements.apply_due(cli_actor("scheduler"))
    click.echo(f"applied {len(applied)} change(s)")

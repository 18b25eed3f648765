"""Command-line tools: demo data and staff bootstrap."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Invitation, Organization, Role, User
from portal.services import audit
from portal.services.demo import DEMO_PASSWORD


def test_seed_demo_creates_accounts_once_and_prints_logins(db, runner):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert "admin@voxio.nl" in first.output and "eigenaar@bakkerij-jansen.nl" in first.output
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0 and "already present" in second.output
    assert db.session.scalar(select(func.count()).select_from(Organization)) == 2
    roles = set(db.session.scalars(select(User.role)))
    assert roles == set(Role)
    assert audit.verify_chain().ok


def test_demo_login_works(app, runner, auth):
    runner.invoke(args=["seed", "demo"])
    response = auth.login("eigenaar@bakkerij-jansen.nl", DEMO_PASSWORD, follow=True)
    assert "Bakkerij Jansen" in response.get_data(as_text=True)


def test_seed_demo_refuses_production(app, runner):
    app.config["PORTAL_ENV"] = "production"
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code != 0 and "development only" in result.output


def test_staff_bootstrap_invites_an_administrator(db, runner, mailbox):
    result = runner.invoke(args=["staff", "invite-admin", "Chef@Voxio.nl", "Chef"])
    assert result.exit_code == 0, result.output
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "chef@voxio.nl" and invitation.role == Role.STAFF_ADMIN
    assert "/invitation/" in mailbox.text(mailbox.last("chef@voxio.nl"))

"""Bijlage 2, sample checks of compliance: each month a random sample of access events for a
staff administrator, who records "fine" or a finding per item; kept and exportable."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import select

from portal.extensions import db
from portal.models import AccessReview, AuditEvent, Role, utcnow
from portal.services import access_reviews, audit
from portal.services.context import Actor, cli_actor
from tests.factories import ALL_ROLES
from tests.helpers import csrf_token

THIS_MONTH = f"{utcnow():%Y-%m}"  # the audit log is append-only: events happen now


def _events(actions: list[str]) -> None:
    for action in actions:
        audit.record(action, actor=cli_actor("test"), details={})
    db.session.commit()


def test_the_months_sample_holds_staff_access_events_of_that_month_and_is_drawn_once(
        db, create_staff, create_user, create_org):
    staff = create_staff(Role.STAFF, email="support@voxio.nl")
    owner = create_user(create_org(), ALL_ROLES)
    for actor, count in ((staff, 20), (owner, 30)):
        for _ in range(count):
            audit.record("personal_data.viewed", actor=Actor(user=actor), details={})
    _events(["agreement.download"] * 10 + ["auth.login"] * 40)
    review = access_reviews.draw(THIS_MONTH, cli_actor("scheduler"))
    # staff reading pages with personal data, and downloads; not customers reading their own
    assert review.population == 30 and len(review.items) == access_reviews.SAMPLE_SIZE
    assert {(i.event.action, i.event.actor_id) for i in review.items} <= {
        ("personal_data.viewed", staff.id), ("agreement.download", None)}
    assert len({i.event_id for i in review.items}) == len(review.items)
    assert access_reviews.draw(THIS_MONTH, cli_actor("scheduler")).id == review.id
    other = access_reviews.draw("2025-11", cli_actor("scheduler"))
    assert (other.population, len(other.items)) == (0, 0) and other.closed_at is not None


def test_a_staff_administrator_reviews_the_sample_and_a_finding_needs_a_note(
        db, auth, create_staff):
    admin = create_staff(Role.STAFF_ADMIN, email="beheer@voxio.nl")
    _events(["agreement.download", "audit.exported"])
    review = access_reviews.draw(THIS_MONTH, cli_actor("scheduler"))
    first, second = review.items
    auth.login_user(admin)
    page = f"/staff/reviews/{review.id}"
    assert "Steekproef" in auth.client.get("/staff/reviews").get_data(as_text=True)
    token = csrf_token(auth.client, page)
    refused = auth.client.post(page, data={
        "csrf_token": token, f"verdict-{first.id}": "finding", f"note-{first.id}": " ",
        f"verdict-{second.id}": "fine"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Beschrijf de bevinding" in text
    assert f'href="#note-{first.id}"' in text  # the summary at the top leads to the item
    assert 'value="fine" checked' in text  # the other verdict is kept, not lost
    assert db.session.scalar(select(AccessReview)).items[1].verdict is None  # nothing saved
    done = auth.client.post(page, data={
        "csrf_token": token, f"verdict-{first.id}": "finding",
        f"note-{first.id}": "Download zonder klantvraag", f"verdict-{second.id}": "fine"})
    assert done.status_code == 302
    db.session.expire_all()
    review = db.session.scalar(select(AccessReview))
    assert review.closed_at is not None
    rows = list(csv.DictReader(io.StringIO(
        auth.client.get(f"/staff/reviews/{review.id}.csv").get_data(as_text=True))))
    assert [(r["verdict"], r["note"], r["reviewed_by"]) for r in rows] == [
        ("finding", "Download zonder klantvraag", "beheer@voxio.nl"),
        ("fine", "", "beheer@voxio.nl")]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"access_review.drawn", "access_review.judged", "access_review.exported"} <= actions


def test_the_daily_job_draws_last_months_sample(db, runner):
    result = runner.invoke(args=["reviews", "draw", "--period", "2025-11"])
    assert result.exit_code == 0 and "2025-11: 0 of 0" in result.output
    assert access_reviews.previous_month(datetime(2026, 1, 5).date()) == "2025-12"

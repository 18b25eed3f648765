"""SQL statements per page do not grow with the amount of data (no N+1 queries)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db
from portal.models import Role
from tests.helpers import AuthActions
from tests.factories import make_org, make_revision, make_staff, make_user, persist


@contextmanager
def counted(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _customers(app, n: int, start: int):
    with app.app_context():
        for i in range(start, start + n):
            org = make_org(f"Klant {i:03d} B.V.")
            make_user(org, Role.CUSTOMER_OWNER, email=f"owner{i}@example.com")
            make_revision(org)
        db.session.commit()


def _queries(app, client, path: str) -> int:
    with counted(app) as statements:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(statements)


def test_staff_customer_list_and_dashboards_do_not_grow_with_customers(app):
    with app.app_context():
        staff = persist(make_staff(Role.STAFF_ADMIN, email="admin@voxio.nl"))
    _customers(app, 3, 0)
    with app.app_context():
        owner = persist(make_user(make_org("Eigen B.V."), Role.CUSTOMER_OWNER,
                                  email="eigen@example.com"))
    staff_client, owner_client = (AuthActions(app.test_client(), app) for _ in range(2))
    staff_client.login_user(staff)
    owner_client.login_user(owner)
    paths = [(staff_client, "/staff/customers"), (staff_client, "/"),
             (staff_client, "/staff/customers?flag=unsigned"),
             (owner_client, "/"), (owner_client, "/agreement/")]
    few = {path: _queries(app, c.client, path) for c, path in paths}
    _customers(app, 40, 3)
    many = {path: _queries(app, c.client, path) for c, path in paths}
    assert many == few

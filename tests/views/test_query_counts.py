"""SQL statements per page do not grow with the amount of data (no N+1 queries)."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db
from portal.models import Role
from tests.factories import ALL_ROLES, make_org, make_revision, make_user


@contextmanager
def counted():
    statements = []
    engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _customers(n: int, start: int):
    for i in range(start, start + n):
        org = make_org(f"Klant {i:03d} B.V.")
        make_user(org, ALL_ROLES, email=f"owner{i}@example.com")
        make_revision(org)
    db.session.commit()


def _queries(client, path: str) -> int:
    with counted() as statements:
        response = client.get(path)
        assert response.status_code == 200, path
    return len(statements)


def test_staff_customer_list_and_dashboards_do_not_grow_with_customers(db, auth, create_org,
                                                                       create_user,
                                                                       create_staff):
    staff = create_staff(Role.STAFF_ADMIN, email="admin@voxio.nl")
    _customers(3, 0)
    owner = create_user(create_org("Eigen B.V."), ALL_ROLES, email="eigen@example.com")
    staff_client, owner_client = auth, auth.another()
    staff_client.login_user(staff)
    owner_client.login_user(owner)
    paths = [(staff_client, "/staff/customers"), (staff_client, "/"),
             (staff_client, "/staff/customers?flag=unsigned"),
             (owner_client, "/"), (owner_client, "/agreement/")]
    for c, path in paths:  # a first view of a page with personal data writes its audit event
        _queries(c.client, path)
    few = {path: _queries(c.client, path) for c, path in paths}
    _customers(40, 3)
    many = {path: _queries(c.client, path) for c, path in paths}
    assert many == few

"""Organization scoping at the ORM level: what a customer's request can load at all."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.models import ChoiceRevision, Organization, OrgOwned, User, scoping
from portal.models.base import Base
from tests.factories import ALL_ROLES, make_org, make_revision, make_user
from tests.helpers import AuthActions


def _two_customers():
    own, other = make_org("Eigen B.V."), make_org("Ander B.V.")
    mine = make_user(own, ALL_ROLES, email="mine@example.com")
    theirs = make_user(other, ALL_ROLES, email="theirs@example.com")
    make_revision(own)
    make_revision(other)
    db.session.commit()
    ids = own.id, other.id, mine.id, theirs.id
    db.session.expunge_all()  # nothing answered from the identity map
    return ids


def test_a_scoped_session_loads_only_its_own_organization(db):
    own, other, mine, theirs = _two_customers()
    with scoping.limited_to(own):
        assert db.session.get(Organization, other) is None
        assert db.session.get(User, theirs) is None
        assert db.session.get(User, mine).organization_id == own
        assert db.session.scalars(select(User.email)).all() == ["mine@example.com"]
        assert {r.organization_id
                for r in db.session.scalars(select(ChoiceRevision))} == {own}
        # aliases and subqueries are limited too
        alias = aliased(User)
        assert db.session.scalars(select(alias.email)).all() == ["mine@example.com"]
        assert db.session.scalar(select(select(func.count()).select_from(User)
                                        .scalar_subquery())) == 1
        # the query's own parameters and the scope's travel together
        by_email = select(User).where(User.email == bindparam("address"))
        assert db.session.scalars(by_email, {"address": "theirs@example.com"}).all() == []
        assert len(db.session.scalars(by_email, {"address": "mine@example.com"}).all()) == 1
        # lazy loads of a relationship stay inside the scope
        org = db.session.get(Organization, own)
        assert [u.email for u in org.users] == ["mine@example.com"]


def test_the_scope_follows_the_block_not_the_first_query(db):
    own, other, _mine, _theirs = _two_customers()
    with scoping.limited_to(own):
        assert db.session.scalars(select(Organization.name)).all() == ["Eigen B.V."]
    db.session.expunge_all()
    with scoping.limited_to(other):  # the cached statement must take the new organization
        assert db.session.scalars(select(Organization.name)).all() == ["Ander B.V."]
    assert len(db.session.scalars(select(Organization.name)).all()) >= 2
    with scoping.limited_to(own):
        names = db.session.scalars(select(Organization.name)
                                   .execution_options(unscoped=True))
        assert len(names.all()) >= 2


def test_a_scope_can_be_entered_again_but_never_widened_or_switched():
    assert scoping.current_scope() is None
    with scoping.limited_to(7):
        assert scoping.current_scope() == 7
        with scoping.limited_to(7):  # the same organization again changes nothing
            assert scoping.current_scope() == 7
        for other in (None, 8):  # no way out of a customer's scope, and no way sideways
            with pytest.raises(scoping.ScopeError), scoping.limited_to(other):
                pass
        assert scoping.current_scope() == 7
    assert scoping.current_scope() is None


def test_a_scope_belongs_to_its_thread():
    seen = []
    with scoping.limited_to(7):
        thread = threading.Thread(target=lambda: seen.append(scoping.current_scope()))
        thread.start()
        thread.join()
    assert seen == [None]


def test_a_customer_request_is_scoped_and_leaves_no_scope_behind(app):
    """Flask's own test client runs the request in this thread's context, as a worker thread
    of gthread or sync gunicorn does: the scope must be gone when the request is."""
    with app.app_context():
        _two_customers()
    plain = FlaskClient(app, app.response_class, use_cookies=True)
    AuthActions(plain, app).login("mine@example.com")
    page = plain.get("/organization/").get_data(as_text=True)
    assert "mine@example.com" in page and "theirs@example.com" not in page
    assert scoping.current_scope() is None


def test_a_customer_account_without_an_organization_sees_nothing(db, auth):
    stray = make_user(None, ALL_ROLES)  # cannot happen through the portal; fail closed
    auth.login(stray.email)
    assert auth.client.get("/organization/").status_code == 403
    assert auth.client.get("/agreement/signed").status_code == 403


# Models with an organization that customers may still see whole, and why.
UNSCOPED = {
    "IssuedCertificate": "CRLs and OCSP answers list every revocation, whoever's request asks",
}


def test_every_model_that_belongs_to_an_organization_is_scoped():
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if "organization_id" in mapper.columns and model.__name__ not in UNSCOPED:
            assert issubclass(model, OrgOwned), f"{model.__name__} is not OrgOwned"

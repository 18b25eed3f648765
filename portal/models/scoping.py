"""Organization scoping: the one rule that keeps customers inside their own data.

The rule: *a customer's request loads only its own organization's rows.* The mechanism is
this module and nothing else. While a scope is active (the web layer opens one for every
request of a customer user, :func:`portal.web.context.open_scope`), every ORM SELECT is
limited to rows of that organization: the organization itself and every model that mixes in
:class:`OrgOwned`, including joins, aliases, subqueries and lazy loads. Objects of another
organization are simply not found, and views answer 404.

So views never add ``organization_id == current_user.organization_id`` for safety, and
services never check that an object belongs to the caller's organization. Where a service
takes an ``org`` argument and filters by it, that is the question it answers (staff and the
CLI ask about any organization), not access control. A query that must see past the scope
(the public verify page, the sign-in lookup) says so with ``execution_options(unscoped=True)``.

The scope lives in a :class:`~contextvars.ContextVar`, so models hold it without Flask; each
thread (or greenlet) has its own, and the web layer closes the request's scope when the request
ends (tests/services/test_scoping.py checks both). A scope can only be narrowed, never widened
or switched: inside one organization's scope nothing can ask for another's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

from sqlalchemy import bindparam, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.models.accounts import Organization
from portal.models.base import OrgOwned

_scope: ContextVar[int | None] = ContextVar("organization_scope", default=None)


def current_scope() -> int | None:
    """The organization id queries are limited to, or None (staff, CLI, tasks)."""
    return _scope.get()


class ScopeError(RuntimeError):
    """Something tried to leave or switch an organization's scope from inside it."""


def enter(organization_id: int) -> Token:
    """Limit queries to ``organization_id`` until :func:`leave` is called with the token."""
    if organization_id is None:
        raise ScopeError("a scope needs an organization")
    current = _scope.get()
    if current is not None and current != organization_id:
        raise ScopeError(f"inside organization {current}'s scope, not {organization_id}'s")
    return _scope.set(organization_id)


def leave(token: Token) -> None:
    _scope.reset(token)


@contextmanager
def limited_to(organization_id: int) -> Iterator[None]:
    """Limit every query inside the block to one organization's rows."""
    token = enter(organization_id)
    try:
        yield
    finally:
        leave(token)


SCOPE_PARAM = "scope_organization_id"
_criteria: tuple = ()


def _scope_criteria() -> tuple:
    """The two criteria, built once: the organization comes in as a bound parameter.

    The same option objects on every query keep SQLAlchemy's statement cache warm; criteria
    closing over the id were analysed again for every query (about a fifth of a customer
    page's CPU time went there).
    """
    global _criteria
    if not _criteria:
        org_id = bindparam(SCOPE_PARAM)
        _criteria = (
            with_loader_criteria(Organization, Organization.id == org_id, include_aliases=True),
            with_loader_criteria(OrgOwned, lambda cls: cls.organization_id == org_id,
                                 include_aliases=True, track_closure_variables=False),
        )
    return _criteria


@event.listens_for(Session, "do_orm_execute")
def _limit_to_scope(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load:
        return
    if state.execution_options.get("unscoped"):
        return
    org_id = _scope.get()
    if org_id is None:
        return
    state.statement = state.statement.options(*_scope_criteria())
    state.parameters = {**(state.parameters or {}), SCOPE_PARAM: org_id}

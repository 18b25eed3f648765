"""Organization scoping: the one place that keeps customers inside their own data.

Every ORM SELECT issued while an organization scope is active (set per request for customer
users, see :func:`portal.auth.scope.apply_scope`) is limited to rows of that organization: the
organization itself and every model that mixes in :class:`OrgOwned`. Objects of another
organization are therefore simply not found, and views answer 404.
"""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import ForeignKey, bindparam, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, with_loader_criteria


class OrgOwned:
    """Mixin for models that belong to one organization (column ``organization_id``).

    Rows with no organization (staff accounts, staff invitations, system events) are outside
    every customer's scope.
    """

    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )


def current_scope() -> int | None:
    """The organization id the current request is limited to, or None (staff, CLI, tasks)."""
    if has_app_context():
        return g.get("org_scope")
    return None


def set_scope(organization_id: int | None) -> None:
    g.org_scope = organization_id


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
        from portal.models.accounts import Organization

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
    org_id = current_scope()
    if org_id is None:
        return
    state.statement = state.statement.options(*_scope_criteria())
    state.parameters = {**(state.parameters or {}), SCOPE_PARAM: org_id}

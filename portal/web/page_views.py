"""Pages that show personal data log that they were seen (see services.page_views)."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from portal.services import page_views
from portal.web.context import current_actor, current_session

# Pages that show people's names, contact details or a customer's choices. Downloads and
# exports log their own events; the staff customer page logs every view already.
PAGES = frozenset({
    "agreement.overview", "agreement.edit_choices", "agreement.preview", "agreement.history",
    "agreement.show_revision", "signing.sign", "signing.sign_own", "signing.list_signed",
    "signing.signed_copy", "signing.signed_report", "organization.overview",
    "organization.audit_log", "staff.customers", "staff.customer_revision",
    "staff.edit_customer", "staff.audit_log", "staff.outbox", "staff.outbox_message",
    "staff.staff_users", "subprocessors.mine",
})


def register(app: Flask) -> None:
    @app.after_request
    def _log_view(response: Response) -> Response:
        if request.method == "GET" and response.status_code == 200 \
                and request.endpoint in PAGES and current_user.is_authenticated:
            row = current_session()
            if row is not None:
                org = (request.view_args or {}).get("org_id") or current_user.organization_id
                page_views.record(current_actor(), row.id, request.full_path.rstrip("?"),
                                  request.endpoint, org)
        return response

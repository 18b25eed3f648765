"""Notices by e-mail, per recipient: the progress of a run while it goes, who was reached,
who saw and acknowledged it, and a retry for failures."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.models import NoticeKind
from portal.services import announcements, deliveries
from portal.web.context import current_actor
from portal.web.forms import ActionForm
from portal.web.guards import staff_required
from portal.web.responses import paginate
from portal.web.staff.routes import bp


def _subject(kind: str, ref_id: int):
    """The announcement a notice is about (every kind so far concerns one)."""
    if kind not in set(NoticeKind):
        abort(404)
    return announcements.announcement(ref_id) or abort(404)


@bp.get("/notices/<kind>/<int:ref_id>")
@staff_required
def notice_deliveries(kind: str, ref_id: int):
    ann = _subject(kind, ref_id)
    status = request.args.get("status", "")
    return render_template(
        "staff/deliveries.html", kind=NoticeKind(kind), ann=ann, status=status,
        progress=deliveries.progress(NoticeKind(kind), ref_id), form=ActionForm(),
        page=paginate(deliveries.listing(NoticeKind(kind), ref_id, status)))


@bp.get("/notices/<kind>/<int:ref_id>/progress.json")
@staff_required
def notice_progress(kind: str, ref_id: int):
    _subject(kind, ref_id)
    p = deliveries.progress(NoticeKind(kind), ref_id)
    return jsonify(total=p.total, queued=p.queued, sent=p.sent, failed=p.failed, seen=p.seen,
                   acknowledged=p.acknowledged, running=p.running)


@bp.post("/notices/<kind>/<int:ref_id>/retry")
@staff_required
def retry_notices(kind: str, ref_id: int):
    _subject(kind, ref_id)
    if ActionForm().validate_on_submit():
        count = deliveries.retry_failed(NoticeKind(kind), ref_id, current_actor())
        flash(ngettext("%(num)d e-mail is queued again.", "%(num)d e-mails are queued again.",
                       count) if count else _("Nothing to retry: no e-mail failed."), "success")
    return redirect(url_for("staff.notice_deliveries", kind=kind, ref_id=ref_id))

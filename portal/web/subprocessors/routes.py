"""The sub-processor blueprint, and its public pages: the register (art. 5.1), CSV, JSON and an
Atom feed of changes. customer.py, staff.py, objections.py and subscriptions.py add the other
views to it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, url_for

from portal.services import announcements, subprocessor_exports, subprocessors
from portal.web.locale import current_locale
from portal.web.responses import download
from portal.web.subprocessors.forms import SubscribeForm

bp = Blueprint("subprocessors", __name__)



@bp.get("/subprocessors")
def register():
    return register_page()


def register_page(subscribe_form: SubscribeForm | None = None) -> str:
    """The public register with its subscription form (``subscribe_form``: one sent with
    errors, shown again)."""
    if subscribe_form is None:
        subscribe_form = SubscribeForm(formdata=None, locale=current_locale())
    items = subprocessors.register()
    return render_template("subprocessors/register.html", items=items,
                           services=subprocessors.service_items(),
                           upcoming=announcements.open_announcements(),
                           countries=subprocessors.countries(items),
                           subscribe_form=subscribe_form)


@bp.get("/subprocessors.<fmt>")
def export(fmt: str):
    return subprocessor_export(subprocessors.register(), fmt, "subverwerkers-voxio")


@bp.get("/subprocessors/feed.atom")
def feed():
    base = current_app.config["PUBLIC_URL"]
    register_url = f"{base}{url_for('subprocessors.register')}"
    links = subprocessor_exports.FeedLinks(
        feed=f"{base}{url_for('subprocessors.feed')}", register=register_url,
        entry=lambda ann: f"{register_url}#wijziging-{ann.id}")
    body = subprocessor_exports.as_atom(announcements.announcements(), links,
                                        author=current_app.config["PKI_ORGANIZATION"])
    return Response(body, mimetype="application/atom+xml")


def subprocessor_export(items, fmt: str, name: str):
    """A sub-processor list as a CSV or JSON download (public and per customer)."""
    if fmt == "json":
        return download(subprocessor_exports.as_json(items), f"{name}.json", "application/json")
    if fmt == "csv":
        return download(subprocessor_exports.as_csv(items), f"{name}.csv", "text/csv")
    abort(404)

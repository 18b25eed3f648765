"""The public sub-processor register: page, CSV, JSON and an Atom feed of changes."""

from flask import Blueprint

bp = Blueprint("subprocessors", __name__)

from portal.subprocessors import routes  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("organization", __name__)

from portal.organization import routes  # noqa: E402,F401

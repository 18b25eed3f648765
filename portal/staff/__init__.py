from flask import Blueprint

bp = Blueprint("staff", __name__)

from portal.staff import routes, subprocessors  # noqa: E402,F401

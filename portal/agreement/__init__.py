from flask import Blueprint

bp = Blueprint("agreement", __name__)

from portal.agreement import routes, signing, subprocessors  # noqa: E402,F401

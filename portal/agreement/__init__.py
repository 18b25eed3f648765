from flask import Blueprint

bp = Blueprint("agreement", __name__)

from portal.agreement import routes, signing  # noqa: E402,F401

"""The JSON API, v1: bearer tokens in, JSON out, errors as {"error": {...}}."""

from flask import Blueprint

api = Blueprint("api", __name__, url_prefix="/api/v1")

from casework.api import auth, cases, clocks, errors, openapi  # noqa: E402, F401

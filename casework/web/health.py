"""`/healthz`: is the application up and can it reach its database?"""

from flask import Blueprint, jsonify

from casework.services.health import database_ok

health = Blueprint("health", __name__)


@health.get("/healthz")
def healthz():
    ok = database_ok()
    return jsonify({"status": "ok" if ok else "database unavailable"}), 200 if ok else 503

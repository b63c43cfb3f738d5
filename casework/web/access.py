"""Giving and taking back access to a case (need-to-know grants)."""

from flask import Blueprint

access = Blueprint("access", __name__, url_prefix="/cases/<int:case_id>/access")

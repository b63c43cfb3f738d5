"""Carrying out an event on a case: a form for its facts, then a confirmation."""

from flask import Blueprint

case_events = Blueprint("case_events", __name__, url_prefix="/cases/<int:case_id>/events")

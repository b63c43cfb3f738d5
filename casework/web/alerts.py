"""In-app alerts: the list, with days left or late worked out now, and marking them read."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from casework.services.alerts import alerts_for, mark_alert_read
from casework.services.today import london_today

alerts = Blueprint("alerts", __name__, url_prefix="/alerts")


@alerts.get("/")
def index():
    return render_template(
        "alerts/index.html", alerts=alerts_for(current_user, london_today()), title="Alerts"
    )


@alerts.post("/<int:alert_id>/read")
def mark_read(alert_id: int):
    mark_alert_read(current_user, alert_id)
    flash("Alert marked as read.", "success")
    return redirect(url_for("alerts.index"))

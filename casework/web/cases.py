"""Cases: the list, opening a case, and the case page."""

from flask import Blueprint, render_template

cases = Blueprint("cases", __name__, url_prefix="/cases")


@cases.get("/")
def index():
    return render_template("cases/index.html", title="Cases")


@cases.get("/<int:case_id>")
def show(case_id: int):
    return render_template("cases/show.html", title="Case")

"""The home page: what needs doing, for whoever is signed in."""

from flask import Blueprint, render_template

from casework.services.today import london_today
from casework.services.worklist import worklist
from casework.web.security import reads_only, signed_in_user

home = Blueprint("home", __name__)


@home.get("/")
@reads_only
def index():
    today = london_today()
    return render_template(
        "home/index.html",
        work=worklist(signed_in_user(), today),
        today=today,
        title="What needs doing",
    )

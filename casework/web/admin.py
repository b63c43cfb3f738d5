"""Administration: users, agencies and the partnership's settings."""

from flask import Blueprint, render_template

admin = Blueprint("admin", __name__, url_prefix="/admin")


@admin.get("/users")
def users():
    return render_template("admin/users.html", title="Users")


@admin.get("/agencies")
def agencies():
    return render_template("admin/agencies.html", title="Agencies")


@admin.get("/settings")
def settings():
    return render_template("admin/settings.html", title="Settings")

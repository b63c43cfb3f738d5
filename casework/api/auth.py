"""Every API request but the OpenAPI document needs `Authorization: Bearer <token>`."""

from flask import g, request

from casework.api import api
from casework.api.errors import error_response
from casework.request_checks import refusal
from casework.services.errors import Invalid
from casework.services.users import user_for_token

PUBLIC_ENDPOINTS = {"api.openapi_document"}


@api.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        response = error_response(401, "unauthorised", "Give a valid API token as a Bearer token.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="casework"'
        return response
    g.api_user = user
    return None


@api.before_request
def refuse_bad_text():
    """After the token check (401 comes first): text no database can store, or a body too
    deep to read, is refused before anything is read or saved."""
    why = None if request.endpoint in PUBLIC_ENDPOINTS else refusal()
    if why:
        raise Invalid(why, {"body": why})

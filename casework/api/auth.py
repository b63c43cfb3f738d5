"""Every API request but the OpenAPI document needs `Authorization: Bearer <token>`."""

from flask import g, request

from casework.api import api
from casework.api.errors import error_response
from casework.request_checks import NUL_REFUSED, sent_a_nul
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
def refuse_a_nul():
    """After the token check (401 comes first): PostgreSQL cannot store or compare a NUL in
    text, so a request holding one is refused before anything is read or saved."""
    if request.endpoint not in PUBLIC_ENDPOINTS and sent_a_nul():
        raise Invalid(NUL_REFUSED, {"body": "Remove the NUL character (\\u0000)"})

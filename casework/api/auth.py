"""Every API request but the OpenAPI document needs `Authorization: Bearer <token>`.

Only the token is checked here: what the request sent is checked by each view (`params.py`),
once the user is known to be allowed to see the case and to act, since a 401, 404 or 403
comes before a 422.
"""

from flask import g, request

from casework.api import api
from casework.api.errors import error_response
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

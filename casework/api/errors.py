"""Errors as JSON: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

from casework.api import api
from casework.services.errors import DomainError, TransitionNotAllowed


def error_response(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}
    response = jsonify(body)
    response.status_code = status
    return response


@api.errorhandler(DomainError)
def domain_error(error: DomainError):
    extra = {"allowed_events": error.allowed} if isinstance(error, TransitionNotAllowed) else {}
    return error_response(error.status, error.code, error.message, error.fields, **extra)


@api.errorhandler(HTTPException)
def json_http_error(error: HTTPException):
    """Also used by the app-wide handler for API paths no view matched (unknown URL, method)."""
    response = error_response(
        error.code or 500, error.name.lower().replace(" ", "_"), error.description
    )
    # Werkzeug's own headers say things the answer must keep (the `Allow` of a 405): all but
    # its Content-Type, which is for its HTML page, not this JSON.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    return response

"""Errors as JSON: {"error": {"code": ..., "message": ..., "fields": {...}}}."""

from flask import jsonify, request
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


@api.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    # Registered app-wide so that unknown URLs and wrong methods under the API, which never
    # reach the blueprint, are answered in JSON too.
    if not request.path.startswith(f"{api.url_prefix}/"):
        return error
    return error_response(
        error.code or 500, error.name.lower().replace(" ", "_"), error.description
    )

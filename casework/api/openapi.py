"""The OpenAPI document for the API."""

from flask import jsonify

from casework.api import api


@api.get("/openapi.json")
def openapi_document():
    return jsonify(
        {"openapi": "3.1.0", "info": {"title": "Casework API", "version": "1"}, "paths": {}}
    )

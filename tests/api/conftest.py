"""An API client that signs requests with a user's bearer token."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_token


class ApiClient:
    def __init__(self, client, user=None, token: str | None = None):
        self.client = client
        self.headers = {}
        if user is not None:
            token = make_token(user)
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self.headers)

    def post(self, path: str, body: Any = None, **kwargs: Any):
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers, **kwargs)

    def open_case(self, **fields: Any):
        body = {"nature": "serious_harm", "incident_on": "2023-02-27", "la_aware_on": "2023-03-01"}
        body.update(fields)
        response = self.post("/cases", body)
        assert response.status_code == 201, response.json
        return response.json

    def fire(self, case_id: int, event: str, **facts: Any):
        return self.post(f"/cases/{case_id}/events", {"event": event, **facts})


@pytest.fixture
def as_user(client):
    """`as_user(user)` gives an ApiClient signed in as that user."""
    return lambda user: ApiClient(client, user)


@pytest.fixture
def manager_api(as_user, business_manager):
    return as_user(business_manager)

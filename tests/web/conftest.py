"""Web fixtures: clients signed in as a given user, checking every page they fetch."""

import pytest

from tests.web.pages import WebClient


@pytest.fixture
def web(app, db):
    """`web(user)` gives a WebClient (its own cookies) signed in as that user; `web()` is not."""
    return lambda user=None: WebClient(app.test_client(), user)

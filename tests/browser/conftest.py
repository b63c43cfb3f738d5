"""Browser tests: Playwright driving Debian's Chromium against a live server of the test app.

Every page a test visits is checked with axe-core (no serious or critical violation) and for
Content Security Policy violations; screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from casework.extensions import db as _db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "a long demo passphrase"
# Collects CSP violations in the page; installed before any of the page's own scripts run.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def set_password(user) -> None:
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
    _db.session.commit()


class Browser:
    """A person at a browser: goes to pages, signs in, and checks every page they meet."""

    def __init__(self, page, base_url: str, name: str):
        self.page = page
        self.base_url = base_url
        self.name = name
        self.shots = 0
        page.add_init_script(WATCH_CSP)
        page.set_default_timeout(10_000)

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def sign_in(self, user, keyboard: bool = False) -> None:
        set_password(user)
        self.goto("/sign-in")
        if keyboard:
            self.type_into("Email address", user.email)
            self.type_into("Password", PASSWORD)
            with self.page.expect_navigation():
                self.page.keyboard.press("Enter")
        else:
            self.page.get_by_label("Email address").fill(user.email)
            self.page.get_by_label("Password", exact=True).fill(PASSWORD)
            self.press_button("Sign in")
        self.check()

    def sign_out(self) -> None:
        self.press_button("Sign out")

    def press_button(self, name: str, keyboard: bool = False) -> None:
        """Press a button (or a link styled as one) and wait for the next page."""
        target = self.page.get_by_role("button", name=name, exact=True)
        if not target.count():
            target = self.page.get_by_role("link", name=name, exact=True)
        with self.page.expect_navigation():
            if keyboard:
                target.focus()
                self.page.keyboard.press("Enter")
            else:
                target.click()

    def type_into(self, label: str, text: str) -> None:
        field = self.page.get_by_label(label, exact=True)
        field.focus()
        self.page.keyboard.type(text)

    def check(self, screenshot: str | None = None) -> None:
        """No CSP violation and no serious or critical accessibility violation on this page."""
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [], f"CSP violations on {self.page.url}: {violations}"
        self.page.evaluate(AXE)
        results = self.page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
        )
        serious = [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in results
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"accessibility on {self.page.url}: {json.dumps(serious)}"
        if screenshot:
            self.screenshot(screenshot)

    def screenshot(self, label: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.shots += 1
        self.page.screenshot(
            path=str(ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"), full_page=True
        )


@pytest.fixture
def person(browser, live_server, db, request, backend) -> Iterator:
    """`person()` opens a fresh browser context (its own cookies) for one person."""
    contexts = []

    def open_browser(label: str = "person") -> Browser:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        contexts.append(context)
        name = f"{request.node.originalname}-{backend}-{label}"
        return Browser(context.new_page(), live_server, name)

    yield open_browser
    for context in contexts:
        context.close()

"""The browser tests' shared setup: one Chromium per test session, pages that record their problems.

Playwright for Python drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM_PATH) against
pytest-django's live server; no browser is downloaded.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}

# Every CSP violation reaches the console as an error, whatever the browser logs by itself.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are plain sync code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser, live_server, user=None, **context_options):
    """A page in a fresh context (zh-CN), logged in as ``user``; ``page.problems`` collects console errors,
    uncaught exceptions and CSP violations."""
    context = browser.new_context(locale="zh-CN", **context_options)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP)
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"script error: {e}"))
    if user is not None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.locator("main").get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
    return page

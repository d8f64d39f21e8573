"""/api/docs/ in a real browser: Swagger UI renders every operation from the app's own assets, under the CSP.

Skipped, with the reason, where Chromium or the playwright package is missing (see tests/browser/).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_swagger_ui_renders_without_csp_violations_or_other_hosts(live_server):
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    problems: list[str] = []
    hosts: set[str] = set()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--headless"]
            )
            page = browser.new_page()
            page.on("console", lambda m: m.type == "error" and problems.append(m.text))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on(
                "request", lambda r: hosts.add(urlparse(r.url).netloc) if r.url.startswith("http") else None
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".opblock", timeout=15_000)
            operations = page.locator(".opblock").count()
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
    assert operations > 50
    assert hosts == {urlparse(live_server.url).netloc}
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems

"""Every main page of every role, at 375 px and 1366 px, in Chromium: the lists, the suggestion pages, each
step's page (交办, 签收, 申请调整 and its decisions, 申请延期 and its decisions, 准予先行答复, 答复, 评价, 公开答复 …),
the one-click rating link, the tokens page and the repeated-topics page (tests/browser/scenario.py).

On each page: no sideways scroll, no console error or uncaught script error, no CSP violation, and, on a
Chinese page, no English word of the interface and no Django ``---------`` (the text of the page, its
folded parts, its options and its labels for screen readers), and no Ctrl-click multi-select
(``select[multiple]``: pickers of checkboxes instead). Then the phone layouts the issue named:
the header, the filters folded behind 筛选, the chart labels, the report's tables, the theme captions.

Set SHOTS_DIR=/tmp/shots to keep a screenshot of every page.
"""

from __future__ import annotations

import os
import re

import pytest

from suggestions.models import ContactRecord
from tests.browser import scenario
from tests.browser.conftest import DESKTOP, PHONE, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# ASCII words a Chinese page may show: file formats and the names of things that have no Chinese name.
ALLOWED_WORDS = {"API", "PDF", "Excel", "CSV", "UTF-", "GB", "MB", "docx", "txt"}

# The text a reader meets, including what is folded away, the options of a select and what only a screen
# reader says; the language switch (lang="en"), scripts and code a program types (<code>: a request header,
# an address of the API) are not the page's words.
PAGE_WORDS = """
() => {
  const skip = "script, style, template, code, [lang='en'], [translate='no']";
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el && !el.closest(skip)) parts.push(walker.currentNode.nodeValue);
  }
  document.querySelectorAll("[placeholder], [aria-label], [title], img[alt]").forEach((el) => {
    if (el.closest(skip)) return;
    for (const a of ["placeholder", "aria-label", "title", "alt"]) {
      if (el.hasAttribute(a)) parts.push(el.getAttribute(a));
    }
  });
  parts.push(document.title);
  return parts.join("\\n");
}
"""


def english_leftovers(text: str, allowed: set[str]) -> list[str]:
    found = set(re.findall(r"[A-Za-z][A-Za-z'\-]+", text)) - allowed
    if "---------" in text:
        found.add("---------")
    return sorted(found)


def check_page(page, url: str, allowed: set[str]) -> list[str]:
    page.problems.clear()
    response = page.goto(url)
    problems = []
    if response is None or response.status >= 400:
        problems.append(f"HTTP {response.status if response else '?'}")
    if page.url != url:  # a step not offered now sends back to the suggestion: its form went unchecked
        problems.append(f"redirected to {page.url}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"scrolls sideways by {overflow}px")
    problems += page.problems
    if page.locator("select[multiple]").count():
        problems.append("a Ctrl-click multi-select (select[multiple]): use a picker of checkboxes")
    if page.get_attribute("html", "lang") == "zh-Hans":
        words = english_leftovers(page.evaluate(PAGE_WORDS), allowed)
        if words:
            problems.append(f"English on a Chinese page: {words}")
    shots = os.environ.get("SHOTS_DIR")
    if shots:
        name = re.sub(r"[^a-z0-9]+", "_", url.split("//", 1)[-1].split("/", 1)[-1]).strip("_") or "home"
        width = page.viewport_size["width"]
        page.screenshot(path=os.path.join(shots, f"{width}-{name}.png"), full_page=True)
    return problems


@pytest.fixture
def sc(db):
    return scenario.build()


def test_every_main_page_of_every_role_at_phone_and_desktop_width(browser, live_server, sc):
    """One data set for all the roles (a transactional test's flush costs seconds); each failure names its
    role, width and page."""
    allowed = ALLOWED_WORDS | {u.username for u in (sc.staff, sc.handler, sc.delegate, sc.dashboard)}
    failures = []
    for role, (user, paths) in scenario.pages(sc).items():
        page = new_page(browser, live_server, user, viewport=PHONE)  # one login; the width changes in place
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            for path in paths:
                for problem in check_page(page, f"{live_server.url}{path}", allowed):
                    failures.append(f"{role} {viewport['width']}px {path}: {problem}")
        page.context.close()
    assert not failures, "\n".join(failures)


def test_the_english_check_finds_the_leftovers_it_is_for():
    assert english_leftovers("编号 (descending)\n---------\n全部 PDF 下载", ALLOWED_WORDS) == [
        "---------",
        "descending",
    ]
    assert english_leftovers("导出 Excel 汇总表 · 下载 PDF · 2023-04-05 · A类", ALLOWED_WORDS) == []


# -- 15.2: the double-submit guard works on the contact step (a field named "method") ---------------------


def test_the_double_submit_guard_runs_on_the_contact_form(browser, live_server, sc):
    page = new_page(browser, live_server, sc.handler)
    page.goto(f"{live_server.url}/suggestions/{sc.in_progress.pk}/contact/")
    page.select_option("#id_method", "meet")
    page.fill("#id_contacted_on", sc.in_progress.lead_assignment.acknowledged_on.isoformat())
    page.fill("#id_notes", "与领衔代表面商。")
    # Hold the first submit in the page, then look at what the guard did with it.
    page.evaluate(
        """() => {
          const form = document.querySelector("main form[method=post]");
          form.addEventListener("submit", (e) => e.preventDefault(), { once: true });
          form.requestSubmit();
        }"""
    )
    assert page.get_attribute("main form[method=post]", "data-submitted") == "true"
    assert page.get_attribute("main form[method=post]", "aria-busy") == "true"
    assert page.problems == []
    # A real double click sends one request: one contact record.
    page.evaluate(
        """() => {
          const form = document.querySelector("main form[method=post]");
          delete form.dataset.submitted;
          form.querySelector("button[type=submit]").disabled = false;
        }"""
    )
    page.locator("main button[type=submit]").dblclick()
    page.wait_for_url(f"{live_server.url}/suggestions/{sc.in_progress.pk}/")
    assert "已记录沟通" in page.inner_text(".messages")
    assert ContactRecord.objects.filter(suggestion=sc.in_progress).count() == 1
    assert page.problems == []
    page.context.close()


# -- 15.3: the phone layouts ----------------------------------------------------------------------------


def test_phone_layouts_and_the_wide_screen_filters(browser, live_server, sc):
    page = new_page(browser, live_server, sc.staff, viewport=PHONE)
    url = live_server.url

    # The header: brand, tools and navigation in two short rows, not a third of the screen.
    page.goto(f"{url}/suggestions/")
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") <= 110

    # The list: the filters fold behind 筛选 and the results come first.
    assert page.evaluate("document.querySelector('details.filter-box').open") is False
    results_top = page.evaluate("document.querySelector('main table').getBoundingClientRect().top")
    assert results_top < PHONE["height"]
    page.click("details.filter-box > summary")
    assert page.is_visible("#id_q")

    # The charts: labels drawn at their own size, not shrunk to 6–7 px.
    page.goto(f"{url}/dashboard/")
    heights = page.evaluate(
        "[...document.querySelectorAll('figure.chart svg text')].map(t => t.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 11

    # The report: the wide tables scroll inside their box; a theme's name is not one character a line.
    page.goto(f"{url}/reports/report/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    theme_cell = page.evaluate("document.querySelector('tr[data-theme] th').getBoundingClientRect().width")
    assert theme_cell >= 100
    page.context.close()

    # A delegate's list, with its export links in the navigation row: still two short rows.
    page = new_page(browser, live_server, sc.delegate, viewport=PHONE)
    page.goto(f"{url}/mine/")
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height") <= 110
    page.context.close()

    # The public home: a theme's caption spans the cards.
    page = new_page(browser, live_server, viewport=PHONE)
    page.goto(f"{url}/")
    caption = page.evaluate("document.querySelector('table.stack caption').getBoundingClientRect().width")
    assert caption >= PHONE["width"] - 60

    # On a wide screen the filters are open (app.js), the results below them.
    page.set_viewport_size(DESKTOP)
    page.goto(f"{url}/suggestions/")
    assert page.evaluate("document.querySelector('details.filter-box').open") is True
    assert page.is_visible("#id_q")
    page.context.close()


# -- 4: the error summary takes the keyboard and leads to the field --------------------------------------


def test_the_error_summary_gets_the_focus_and_its_link_the_field(browser, live_server, sc):
    page = new_page(browser, live_server, sc.handler)
    page.goto(f"{live_server.url}/suggestions/{sc.in_progress.pk}/progress/")
    page.locator("main button[type=submit]").click()
    page.wait_for_selector("[data-error-summary]")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.click("[data-error-summary] a[href='#id_text']")
    assert page.evaluate("document.activeElement.id") == "id_text"
    assert page.problems == []
    page.context.close()

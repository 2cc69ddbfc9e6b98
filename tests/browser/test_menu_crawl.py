"""Every menu entry of the admin opens in chromium: 200, Portuguese, no JS error."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.browser.conftest import log_in

ENGLISH = re.compile(r"\b(Not Found|Internal Server Error|Traceback|Add Filter|"
                     r"Record Count|No records found|Search|List)\b")

# The roles list shows FAB's permission identifiers ("menu access on List
# Users"): names of the security model, not screen text.
IDENTIFIERS = {"/roles/list/": {"List"}}


def test_every_menu_entry_opens_in_portuguese(app, live_server, browser_page, tmp_path):
    page = browser_page
    console_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(
        f"{page.url}: {msg.text}"))
    page.on("pageerror", lambda exc: console_errors.append(f"{page.url}: {exc}"))
    log_in(page, live_server)
    hrefs = page.eval_on_selector_all(
        "ul.navbar-nav:not(.navbar-right) ul.dropdown-menu a[href^='/']",
        "links => links.map(a => a.getAttribute('href'))")
    entries = sorted(set(hrefs))
    assert len(entries) >= 30, entries  # cadastre, billing, payments, service, plugins
    shots = Path(os.environ.get("SANEA_SCREENSHOT_DIR", tmp_path))
    problems = []
    for href in entries:
        response = page.goto(f"{live_server}{href}")
        text = page.inner_text("body")
        if response is None or response.status != 200:
            problems.append(f"{href}: HTTP {response.status if response else '-'}")
            continue
        english = set(ENGLISH.findall(text)) - IDENTIFIERS.get(href, set())
        if english:
            problems.append(f"{href}: em inglês: {sorted(english)}")
        if "/login/" in page.url:
            problems.append(f"{href}: mandou para o login")
        name = href.strip("/").replace("/", "_") or "inicio"
        page.screenshot(path=str(shots / f"menu-{name}.png"), full_page=True)
    assert problems == []
    assert console_errors == [], "\n".join(console_errors)

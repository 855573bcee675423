"""Shared pieces of the real-browser tests (Debian's chromium through Playwright)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "test-results/screenshots"))

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop; Django refuses ORM calls inside one unless told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


# Every page reports what its Content-Security-Policy (settings.SECURE_CSP) refused: the
# `securitypolicyviolation` event, registered before any script of the page runs (an init
# script is the browser's own, outside the policy), and Chromium's console error.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(
    `${e.effectiveDirective} refused ${e.blockedURI || "inline code"} ` +
    `at ${e.sourceFile || e.documentURI}:${e.lineNumber} (${e.sample})`
  );
});
"""


def watch_csp(page) -> list[str]:
    """Collect, from now on, every CSP violation on `page` (across navigations)."""
    found: list[str] = []

    def report(text: str) -> None:
        found.append(text)

    def console(message) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.expose_function("reportCspViolation", report)
    page.add_init_script(CSP_LISTENER)
    page.on("console", console)
    return found


@pytest.fixture(params=[(1280, 900), (375, 812)], ids=["desktop", "phone"])
def page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.viewport_name = request.node.callspec.id
    # Every browser flow runs under the policy: anything it refused fails the test.
    page.csp_violations = watch_csp(page)
    yield page
    violations = page.csp_violations
    context.close()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-secret-123")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")


def open_menu_if_collapsed(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()

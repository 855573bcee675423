"""Headers and production mode (issue 9, item 8), each attack replayed.

- An injected script or `on…=` handler runs only if the policy allows inline code: every
  response carries a Content-Security-Policy that does not, no page or template holds any,
  and in a real browser an injected one is refused while the main pages raise no violation.
- A deployment behind TLS must not talk plain HTTP: with `SECURE_TLS=1` HTTP is redirected,
  HSTS is sent and cookies are secure, and `manage.py check --deploy` with production
  settings reports nothing (run in a subprocess: the settings read the environment at import).
"""

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.test import override_settings

from districts.access import SYSTEM
from districts.models import Role
from liaison.core.coverage import coverage_recompute

from ..browser_support import BROWSER_MARKS, browser, log_in, page
from ..factories import user_with_role
from ..html import parse

__all__ = ["browser", "page"]  # fixtures

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-elem 'self'; "
    "style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Production as an operator would set it: DEBUG off, a real key, the host, behind TLS.
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "liaison.settings",
    "DEBUG": "0",
    "SECRET_KEY": "q8Zr-4vN!pX2@kL7sT9#wB3mY6&hD1jF5gC0eR_uA+oI*zK-Tn3Vb8Qw",
    "ALLOWED_HOSTS": "liaison.example.gov.cn",
    "SECURE_TLS": "1",
}
# Variables of the caller that would change what is checked (the browser tests set
# DJANGO_ALLOW_ASYNC_UNSAFE in this process, which check --deploy rightly refuses).
OVERRIDDEN = re.compile(
    r"^(SECURE_|SESSION_COOKIE_|CSRF_COOKIE_|DJANGO_|DEBUG$|SECRET_KEY$|ALLOWED_)"
)


def run_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python *args` in ROOT with the caller's environment, less the security
    variables, plus `env` (the project's .env is read too, but never overrides these).

    The database is a new, empty one: a developer's own db.sqlite3, seeded with the demo,
    would rightly fail the demo-accounts check (tests/attacks/test_auth.py replays that)."""
    base = {k: v for k, v in os.environ.items() if not OVERRIDDEN.match(k)}
    empty = Path(tempfile.mkdtemp()) / "empty.sqlite3"
    base["DATABASE_URL"] = f"sqlite:///{empty}"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_settings(**changes: str) -> dict[str, object]:
    """The security settings as liaison.settings computes them from PRODUCTION + changes."""
    names = [
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    ]  # fmt: skip
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = run_with({**PRODUCTION, **changes}, "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Production mode


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_with(PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_without_the_tls_variable_names_what_is_missing():
    """The check above can fail: without SECURE_TLS, HSTS and the redirect are off."""
    result = run_with(
        {**PRODUCTION, "SECURE_TLS": "0"},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 1
    assert sorted(set(re.findall(r"security\.W\d+", result.stderr))) == [
        "security.W004",  # SECURE_HSTS_SECONDS
        "security.W008",  # SECURE_SSL_REDIRECT
    ]


def test_the_tls_variable_switches_on_redirect_hsts_and_secure_cookies():
    assert production_settings() == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    # Plain HTTP behind no TLS would lock itself out: nothing of it without the variable.
    assert production_settings(SECURE_TLS="0") == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


@pytest.mark.django_db
def test_behind_tls_plain_http_is_redirected_and_https_pins_itself(client):
    computed = production_settings()
    with override_settings(**computed):
        plain = client.get("/accounts/login/?next=/coverage/")
        secure = client.get("/accounts/login/", secure=True)
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/accounts/login/?next=/coverage/"
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


# The policy on every response


@pytest.mark.django_db
def test_pages_api_and_errors_carry_the_policy(client, county_admin):
    anonymous = [client.get("/accounts/login/"), client.get("/api/v1/households/")]
    client.force_login(county_admin)
    signed_in = [client.get("/"), client.get("/api/v1/areas/"), client.get("/no-such-page/")]
    responses = anonymous + signed_in
    assert [r.status_code for r in responses] == [200, 401, 200, 200, 404]
    for response in responses:
        assert response["Content-Security-Policy"] == POLICY
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_api_docs_page_runs_no_inline_script_and_relaxes_nothing(client, county_admin):
    client.force_login(county_admin)
    swagger = client.get("/api/v1/docs/")
    script = client.get("/api/v1/docs/?script=")
    assert [swagger.status_code, script.status_code] == [200, 200]
    assert swagger["Content-Security-Policy"] == POLICY
    # Swagger UI's start-up code comes as a script file of its own (the page names it).
    assert script["Content-Type"].startswith("application/javascript")
    assert [s.get("src") for s in parse(swagger).find_all("script")][-1] == "/api/v1/docs/?script="
    assert parse(swagger).find_all("style") == []
    # Redoc, which fetched fonts and a logo from outside and needed inline styles, is gone:
    # its address leads to Swagger UI.
    moved = client.get("/api/v1/redoc/")
    assert (moved.status_code, moved["Location"]) == (301, "/api/v1/docs/")


# No inline code anywhere

INLINE_HANDLER = re.compile(r"""<[^>]*\son[a-z]+\s*=""", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _templates() -> list[Path]:
    """The project's templates and the apps' own (any .html under an app is one)."""
    dirs = [ROOT / "templates", ROOT / "districts", ROOT / "dutydays", ROOT / "liaison"]
    return sorted(p for d in dirs for p in d.rglob("*.html"))


def test_no_template_holds_an_inline_script_or_event_handler():
    templates = _templates()
    assert len(templates) > 40
    found = []
    for path in templates:
        text = path.read_text()
        found += [f"{path.name}: {m.group(0)[:80]}" for m in INLINE_HANDLER.finditer(text)]
        for attrs in SCRIPT_TAG.findall(text):
            # A data block (json_script) is not run; anything else must name its file.
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                found.append(f"{path.name}: <script{attrs}>")
        if "javascript:" in text:
            found.append(f"{path.name}: javascript: URL")
    assert found == []


@pytest.mark.django_db
def test_main_pages_render_no_inline_script_or_handler(client, tree, county_admin, cadre_a):
    client.force_login(county_admin)
    urls = [
        "/", f"/areas/{tree.county.pk}/", f"/areas/{tree.county.pk}/children/",
        f"/households/{tree.households_a[0].pk}/", "/coverage/", "/gaps/households/",
        "/cadres/", f"/cadres/{cadre_a.pk}/", f"/areas/{tree.group_a1.pk}/assign/",
        "/duty/compliance/", "/zones/", "/imports/", "/users/",
        f"/areas/{tree.village_a.pk}/contact-cards/",
    ]  # fmt: skip
    inline = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for element in parse(response).iter():
            handlers = [name for name in element.attrs if name.startswith("on")]
            run = element.tag == "script" and element.get("type") != "application/json"
            if handlers or (run and not element.get("src")):
                inline.append(f"{url}: {element!r}")
    assert inline == []


# In a real browser


def in_browser(test):
    """Mark `test` as a real-browser test (chromium, a live server), at 1280 px only."""
    test = pytest.mark.parametrize("page", [(1280, 900)], ids=["desktop"], indirect=True)(test)
    return functools.reduce(lambda t, mark: mark(t), BROWSER_MARKS, test)


@in_browser
def test_an_injected_script_and_handler_are_refused_and_reported(page, live_server, tree):
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => {
        const script = document.createElement("script");
        script.textContent = "window.pwned = 'script'";
        document.body.appendChild(script);
        document.body.insertAdjacentHTML(
          "beforeend", "<img src='data:,' onerror=\\"window.pwned = 'handler'\\">"
        );
      }"""
    )
    # The reports come from the page asynchronously: wait for both (at most 5 s).
    for _ in range(50):
        refused = sorted({v.split(" ", 1)[0] for v in page.csp_violations if " refused " in v})
        if len(refused) == 2:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.pwned") is None
    assert refused == ["script-src-attr", "script-src-elem"]
    page.csp_violations.clear()  # seen and expected: the fixture fails on any left


@in_browser
def test_main_pages_draw_their_charts_and_raise_no_csp_violation(
    page, live_server, tree, cadre_a, cadre_user_a, superuser
):
    coverage_recompute(by=SYSTEM)
    user_with_role(Role.ADMINISTRATOR, tree.county, username="wang")
    url = live_server.url
    visited = []

    def visit(path: str) -> None:
        page.goto(f"{url}{path}")
        page.wait_for_load_state("networkidle")
        visited.append(path)

    log_in(page, live_server, "wang")
    for path in (
        "/", f"/areas/{tree.county.pk}/", f"/households/{tree.households_a[0].pk}/",
        "/coverage/", "/gaps/households/", "/cadres/", f"/cadres/{cadre_a.pk}/",
        f"/areas/{tree.group_a1.pk}/assign/", "/duty/compliance/", "/zones/", "/imports/",
        "/users/", f"/areas/{tree.village_a.pk}/contact-cards/", "/api/v1/docs/",
    ):  # fmt: skip
        visit(path)
        if path == "/coverage/":
            # Chart.js drew every chart from its json_script spec, under the policy.
            drawn = page.evaluate(
                "[...document.querySelectorAll('canvas[data-chart]')]"
                ".map(c => Chart.getChart(c) !== undefined)"
            )
            assert drawn and all(drawn)
        if path == f"/areas/{tree.county.pk}/":
            # The area tree opens in place (app.js and htmx, no inline handler).
            page.get_by_role("button", name="显示娜允镇的下级区域").click()
            page.wait_for_selector(f"#sub-{tree.town_a.pk} >> text=芒街村")
    page.wait_for_selector("#swagger-ui .information-container", state="attached")
    # The Django admin, as its superuser.
    page.context.clear_cookies()
    log_in(page, live_server, superuser.username)
    for path in ("/admin/", "/admin/auth/user/", f"/admin/auth/user/{superuser.pk}/change/"):
        visit(path)
    assert page.csp_violations == []
    assert len(visited) == 17

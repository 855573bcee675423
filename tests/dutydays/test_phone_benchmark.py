"""Browser benchmark of the phone log page (issue 8 item 12), over a throttled connection.

Run it on its own: `pytest -m benchmark -s tests/dutydays/test_phone_benchmark.py`; it prints
the figures recorded in docs/benchmarks.md. It is skipped unless `-m` names `benchmark`.

A village of 758 households, 15 of them paired with the cadre. The server is the project's
WSGI stack as in production: `DEBUG` off, the static files collected with whitenoise's
compressed manifest storage and served by whitenoise (not by the test server's own static
handler). Chromium's network is throttled through CDP to 750 kbps down, 100 ms latency.
"""

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.test.utils import override_settings

from liaison.core.models import Pairing

from ..browser_support import ARGS, CHROMIUM
from ..factories import AreaFactory, HouseholdFactory

pytestmark = [
    pytest.mark.benchmark,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

KBPS = 750
LATENCY_MS = 100
HOUSEHOLDS = 758
OWN = 15
RESULTS = Path(os.environ.get("BENCHMARK_DIR", "test-results")) / "phone-log.json"


def _no_static_handler(handler: Any) -> Any:
    return handler


@pytest.fixture
def production_server() -> Iterator[str]:
    """A live server with collected, hashed static files served by whitenoise."""
    with tempfile.TemporaryDirectory() as root:
        storages = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
        }
        with override_settings(STATIC_ROOT=root, STORAGES=storages, DEBUG=False):
            call_command("collectstatic", interactive=False, verbosity=0)
            thread = LiveServerThread("127.0.0.1", static_handler=cast(Any, _no_static_handler))
            thread.daemon = True
            thread.start()
            thread.is_ready.wait()
            if thread.error:
                raise thread.error
            with override_settings(ALLOWED_HOSTS=["127.0.0.1", "localhost"]):
                yield f"http://127.0.0.1:{thread.port}"
            thread.terminate()


def _measure(page: Any, url: str) -> dict[str, Any]:
    page.goto(url, wait_until="load")
    nav = page.evaluate(
        """() => {
          const n = performance.getEntriesByType('navigation')[0];
          const r = performance.getEntriesByType('resource')
            .filter(e => e.name.includes('/static/'));
          return {
            html_transferred: n.transferSize, html_body: n.encodedBodySize,
            html_decoded: n.decodedBodySize,
            dom_content_loaded_ms: Math.round(n.domContentLoadedEventEnd),
            load_ms: Math.round(n.loadEventEnd),
            static_transferred: r.reduce((s, e) => s + e.transferSize, 0),
            static_requests: r.length,
            static_from_cache: r.filter(e => e.transferSize === 0).length,
          };
        }"""
    )
    return nav


def test_phone_log_page_over_a_slow_connection(production_server, tree, cadre_a, cadre_user_a):
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    group = AreaFactory(
        code="530827100201009", name="芒街九组", level="group", parent=tree.village_a
    )
    households = HouseholdFactory.create_batch(HOUSEHOLDS - len(tree.households_a), group=group)
    Pairing.objects.bulk_create(
        Pairing(cadre=cadre_a, household=h, start_date="2026-01-01") for h in households[:OWN]
    )
    url = f"{production_server}/duty/log/?area={tree.village_a.pk}"
    figures: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        page = context.new_page()
        page.goto(f"{production_server}/")
        page.fill("#id_username", cadre_user_a.username)
        page.fill("#id_password", "pw-secret-123")
        page.press("#id_password", "Enter")
        page.wait_for_url(f"{production_server}/")
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": KBPS * 1000 / 8,
                "uploadThroughput": KBPS * 1000 / 8,
            },
        )
        figures["cold"] = _measure(page, url)
        labels = page.locator("#household-choices label").count()
        figures["warm"] = _measure(page, url)
        stylesheet = page.evaluate("document.querySelector('link[rel=stylesheet]').href")
        figures["static_cache_control"] = page.request.get(stylesheet).headers["cache-control"]
        browser.close()
    figures["household_labels"] = labels
    print(json.dumps(figures, indent=2))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2))
    assert labels >= OWN
    # Hashed names from the manifest storage: cached for good after the first visit.
    assert "immutable" in figures["static_cache_control"]
    assert figures["warm"]["static_from_cache"] == figures["warm"]["static_requests"]

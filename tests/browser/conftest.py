"""Real-browser fixtures: the portal served over HTTP on 127.0.0.1, and Debian's Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (never a downloaded one).
Without it the browser tests are skipped, unless ``REQUIRE_SERVICES`` is set: then they fail.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "build" / "journey"


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (REQUIRE_SERVICES is set, so this is an error)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_browser() -> None:
    """Skip the calling test module without Chromium or Playwright (fail under REQUIRE_SERVICES)."""
    if not CHROMIUM.exists():
        _unavailable(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")


@pytest.fixture
def live_server(app):
    """Serve ``app`` on 127.0.0.1 (a free port, threaded); yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_URL"] = base_url  # links in e-mails point here; set before serving
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    # Not session-wide: while Playwright's sync API is open it keeps an asyncio loop running
    # on the main thread, and later tests that sign PDFs (pyHanko calls asyncio.run) would fail.
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def shots():
    """``shot(page, name)`` saves build/journey/NN-name.png, numbered in the order taken."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in [*SHOTS.glob("[0-9][0-9]-*.png"), *SHOTS.glob("*.pdf")]:
        old.unlink()  # a shorter run must not leave stale steps (or files) behind
    counter = iter(range(1, 100))

    def shot(page, name: str) -> Path:
        path = SHOTS / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    shot.folder = SHOTS
    return shot

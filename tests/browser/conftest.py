"""The real app in a real browser: `streamlit run app.py` on 127.0.0.1, driven by headless Chromium.

Chromium is Debian's package at /usr/bin/chromium (installed by `scripts/browser-deps`); Playwright
for Python drives it through `executable_path` and never downloads a browser (`playwright install`
is never run). A plain `chromium --screenshot` of the page shows nothing: Streamlit draws the page
over a websocket after load, which is why a browser driver is needed at all.

The repo runs pytest with `--disable-socket --allow-unix-socket` (pytest-socket). Tests using these
fixtures must allow loopback connections with `@pytest.mark.allow_hosts(["127.0.0.1"])`: the
health check connects to the app from this process. Playwright itself needs nothing more: it talks
to its driver over pipes and the driver to Chromium over `--remote-debugging-pipe`, and both run
in child processes pytest-socket does not patch.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.processes import answers, free_port, running

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "tests" / "artifacts"
CHROMIUM = Path(os.environ.get("STORYCOACH_CHROMIUM", "/usr/bin/chromium"))
# Headless, and quiet: without the background-networking flags Chromium dials Google services,
# which a closed network refuses. Playwright adds a fresh --user-data-dir of its own per launch.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1400, "height": 1000}
ACTION_TIMEOUT_MS = 30_000
# The model must never be configured: the offline engine answers, and nothing leaves the machine.
_MODEL_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "STORYCOACH_OPENAI_API_KEY",
    "STORYCOACH_OPENAI_BASE_URL",
)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The browser binary; the browser tests skip (before starting the app) when it is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: run scripts/browser-deps")
    return CHROMIUM


@pytest.fixture(scope="session")
def app_url(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of `streamlit run app.py`, started once per session with an empty data folder.

    The app runs from the repo root with the venv's `streamlit`, STORYCOACH_DATA_DIR in a fresh
    temporary folder and no model configured. Its output goes to tests/artifacts/streamlit.log.
    Start-up fails with the log's tail if the process exits or /_stcore/health does not answer
    "ok" within 60 s; the process is always terminated at the end of the session.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in _MODEL_VARIABLES}
    env["STORYCOACH_DATA_DIR"] = str(tmp_path_factory.mktemp("storycoach-data"))
    command = [
        str(Path(sys.executable).with_name("streamlit")), "run", "app.py",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with running(
        "streamlit",
        command,
        log_path=ARTIFACTS / "streamlit.log",
        ready=lambda: answers(f"{url}/_stcore/health", b"ok"),
        cwd=REPO_ROOT,
        env=env,
    ):
        yield url


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (no browser download).

    Module scope, never session: while Playwright's sync API is alive its asyncio loop counts as
    running in this thread, so a later test's `asyncio.run()` would fail.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


# Streamlit scrolls inside its own containers, so the document is only as tall as the window and a
# "full page" screenshot would stop at the viewport: measure the tallest scrolling box instead.
_CONTENT_HEIGHT_JS = """() => Math.max(
    document.documentElement.scrollHeight,
    ...Array.from(document.querySelectorAll("*"), (e) =>
        ["auto", "scroll"].includes(getComputedStyle(e).overflowY) ? e.scrollHeight : 0),
)"""
MAX_SCREENSHOT_HEIGHT = 10_000


def save_screenshot(page: Page, name: str) -> Path:
    """Save all of the page's content (main area and sidebar) to tests/artifacts/<name>.png.

    The window grows to the content's height first; it keeps that size afterwards.
    """
    height = int(page.evaluate(_CONTENT_HEIGHT_JS))
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size(
        {"width": size["width"], "height": min(max(height, size["height"]), MAX_SCREENSHOT_HEIGHT)}
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the test, so `page` can tell a failed test at teardown."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh 1400x1000 page; a failed test leaves tests/artifacts/<test>-failure.png."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            with contextlib.suppress(Exception):  # the screenshot must not hide the failure
                save_screenshot(page, f"{request.node.name}-failure")
        context.close()


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """`screenshot(name)` saves the whole page to tests/artifacts/<name>.png; returns the path."""
    return lambda name: save_screenshot(page, name)

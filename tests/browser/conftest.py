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
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

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
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARS = 4_000
# The model must never be configured: the offline engine answers, and nothing leaves the machine.
_MODEL_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "STORYCOACH_OPENAI_API_KEY",
    "STORYCOACH_OPENAI_BASE_URL",
)

# Proxies from the environment must never see requests to the loopback app.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(log_path: Path) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return text[-LOG_TAIL_CHARS:] or "(empty log)"


def _healthy(url: str) -> bool:
    try:
        with _NO_PROXY_OPENER.open(url, timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except OSError:  # refused while starting, reset, timeout, HTTP error
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if Streamlit has not exited in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
    log_path = ARTIFACTS / "streamlit.log"
    port = _free_port()
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
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(log_path.open("wb"))
        proc = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_stop, proc)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _healthy(f"{url}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(
                    f"streamlit exited with {proc.returncode} before answering;"
                    f" log {log_path}:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer {url}/_stcore/health within"
                    f" {START_TIMEOUT_SECONDS:.0f} s; log {log_path}:\n{_tail(log_path)}"
                )
            time.sleep(0.2)
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

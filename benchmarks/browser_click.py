"""Coach click to the next version drawn, in headless Chromium: what a user waits for.

The real app (`streamlit run`) with an empty bank, a 400-word story pasted, Coach pressed once to
make version 1; then each further press is timed from the click until the heading of the version
it makes is on screen. Needs Chromium at /usr/bin/chromium (`scripts/browser-deps`).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from coach.config import PROJECT_ROOT
from tests.processes import answers, free_port, running

CHROMIUM = Path(os.environ.get("STORYCOACH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
PRESSES = 8
TIMEOUT_MS = 60_000

# Timed inside the page: from the click event to the end of the first frame painted once the run
# is over and the whole page is the new one (a heading reading `name`, nothing left stale).
# Polling from outside (Playwright's `expect`) looks again after 100, then 250 ms: it would add
# up to a quarter of a second that the user never waits.
_WATCH = """name => {
    window.__drawnMs = undefined;
    let clicked = null;
    document.addEventListener("click", () => { clicked = performance.now(); },
                              {capture: true, once: true});
    const app = document.querySelector("[data-testid=stApp]");
    const drawn = () => app.getAttribute("data-test-script-state") === "notRunning"
        && document.querySelector("[data-stale=true]") === null
        && [...document.querySelectorAll("h1, h2, h3")].some(h => h.textContent.trim() === name);
    const watcher = new MutationObserver(() => {
        if (clicked === null || !drawn()) return;
        watcher.disconnect();
        // The frame's callbacks run before it is painted; the task after them runs once it is.
        requestAnimationFrame(() => setTimeout(() => {
            window.__drawnMs = performance.now() - clicked;
        }));
    });
    watcher.observe(document.body,
                    {childList: true, subtree: true, characterData: true, attributes: true});
}"""


def coach_click_ms(notes: str, env: Callable[[str], dict[str, str]]) -> list[float] | None:
    """Milliseconds from each Coach click to its version's heading; None without Chromium."""
    if not CHROMIUM.is_file():
        return None
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "streamlit", "run", "app.py",
                   "--server.address", "127.0.0.1", "--server.port", str(port),
                   "--server.headless", "true", "--server.fileWatcherType", "none",
                   "--browser.gatherUsageStats", "false"]  # fmt: skip
        with (
            running(
                "streamlit",
                command,
                log_path=Path(folder) / "streamlit.log",
                ready=lambda: answers(f"{url}/_stcore/health", b"ok"),
                cwd=PROJECT_ROOT,
                env={**os.environ, **env(folder)},
            ),
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            box = page.get_by_label("Your notes", exact=True)
            box.fill(notes)
            box.press("Tab")
            coach = page.get_by_role("button", name="Coach", exact=True)
            times: list[float] = []
            for version in range(1, PRESSES + 2):
                page.evaluate(_WATCH, f"Version {version}")
                coach.click()
                page.wait_for_function("window.__drawnMs !== undefined", timeout=TIMEOUT_MS)
                if version > 1:  # the first press also warms the server's caches
                    times.append(page.evaluate("window.__drawnMs"))
            browser.close()
            return times


def report(notes: str, env: Callable[[str], dict[str, str]], words: int) -> None:
    """Print the median and worst click-to-version time."""
    times = coach_click_ms(notes, env)
    if times is None:
        print(f"app in Chromium: skipped (no browser at {CHROMIUM}; run scripts/browser-deps)")
        return
    print(
        f"app in headless Chromium: Coach click to the next version drawn ({words} words, "
        f"offline), median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms over "
        f"{len(times)} presses (budget: < 300 ms)"
    )

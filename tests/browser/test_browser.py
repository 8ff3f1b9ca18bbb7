"""End to end in a real browser: paste notes, coach, answer a question, coach again, see history.

Streamlit text areas send their value on blur (or Ctrl+Enter), so every fill is followed by Tab
before a button is pressed, and every Coach press is followed by a wait for the version it makes.
All waits are Playwright's auto-waiting locators and assertions, never sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

# pytest-socket: the repo runs with --disable-socket; allow_hosts lets the fixtures create sockets
# but connect only to the loopback app. (Adding enable_socket would lift the host limit.)
pytestmark = [pytest.mark.browser, pytest.mark.allow_hosts(["127.0.0.1"])]

TIMEOUT_MS = 30_000
NOTES = (
    "Situation: our checkout API's p99 was 850ms at peak and carts were abandoned.\n"
    "Task: I owned getting p99 under 500ms before the holiday freeze.\n"
    "Action: I profiled the service and moved the inventory check to an async queue.\n"
    "Result: p99 dropped to 320ms."
)
# The offline engine tells the story in the user's own words.
OWN_WORDS = (
    "I profiled the service and moved the inventory check to an async queue",
    "p99 dropped to 320ms",
)
ANSWERS = (
    "Abandoned carts fell 12% in the first month, about $40k a week of recovered orders.",
    "I chose a queue over a bigger cache because the cache would have served stale stock.",
)
SCORE_LABELS = ("Overall", "Quantification", "Structure", "Level fit")
# Playwright hands the pattern to the browser, whose regular expressions have no (?P<name>...).
QUESTION_LABEL = re.compile(r" \(\+\d+(\.\d+)? points? · goes to [^)]+\)$")
SECTION_OF_LABEL = re.compile(r"· goes to ([^)]+)\)$")
SECTION_ORDER = (
    "Situation", "Task", "Action", "Result", "Leadership Impact", "Trade-off Analysis",
    "Lessons Learned", "Future Applications",
)  # fmt: skip


def visible(locator: Locator) -> Locator:
    """The first match on screen (Streamlit keeps the other tabs' content in the page, hidden)."""
    return locator.filter(visible=True).first


def type_and_commit(field: Locator, text: str) -> None:
    """Fill a Streamlit text area and leave it, which sends the value to the app."""
    field.fill(text)
    field.press("Tab")


def wait_for(page: Page, target: Locator) -> None:
    """Wait until `target` is on screen; fail at once, with the traceback, if the app raised."""
    raised = page.get_by_test_id("stException")
    expect(target.or_(raised).first).to_be_visible(timeout=TIMEOUT_MS)
    if raised.count():
        pytest.fail(f"the app raised an exception:\n{raised.first.inner_text()}")
    expect(target).to_be_visible(timeout=TIMEOUT_MS)


def coach_and_wait(page: Page, version: int) -> None:
    """Press the primary Coach button and wait until "Version <version>" is on screen."""
    page.get_by_role("button", name="Coach", exact=True).click()
    wait_for(page, visible(page.get_by_role("heading", name=f"Version {version}")))


def assert_in_section(page: Page, words: str, section: str) -> None:
    """`words` are on screen below `section`'s heading and above the next section's."""
    text = visible(page.get_by_text(words))
    expect(text).to_be_visible(timeout=TIMEOUT_MS)
    heading = visible(page.get_by_role("heading", name=section, exact=True))
    following = SECTION_ORDER[SECTION_ORDER.index(section) + 1 :]
    at, top = text.bounding_box(), heading.bounding_box()
    assert at is not None and top is not None and top["y"] < at["y"], (words, section)
    if following:
        below = visible(page.get_by_role("heading", name=following[0], exact=True)).bounding_box()
        assert below is not None and at["y"] < below["y"], (words, section)


def test_coach_answer_and_coach_again(
    page: Page, app_url: str, screenshot: Callable[[str], Path]
) -> None:
    page.goto(app_url)
    notes = page.get_by_label("Your notes", exact=True)
    wait_for(page, notes)
    expect(notes).to_be_editable(timeout=TIMEOUT_MS)

    # Paste the notes and coach: the four scores and version 1 appear.
    type_and_commit(notes, NOTES)
    coach_and_wait(page, 1)
    for label in SCORE_LABELS:
        metric = visible(page.get_by_test_id("stMetric").filter(has_text=label))
        expect(metric).to_be_visible(timeout=TIMEOUT_MS)
        expect(metric.get_by_test_id("stMetricValue")).to_have_text(
            re.compile(r"\d"), timeout=TIMEOUT_MS
        )

    # The story is told in the user's own words.
    page.get_by_role("tab", name="Story", exact=True).click()
    for words in OWN_WORDS:
        expect(visible(page.get_by_text(words))).to_be_visible(timeout=TIMEOUT_MS)
    assert screenshot("browser-story").is_file()  # for a person to look over the page

    # Answer two questions and coach again, from the button beside them: version 2.
    page.get_by_role("tab", name="Questions", exact=True).click()
    boxes = page.get_by_label(QUESTION_LABEL).filter(visible=True)
    expect(boxes.first).to_be_editable(timeout=TIMEOUT_MS)
    assert screenshot("browser-questions").is_file()
    sections = []
    for index, answer in enumerate(ANSWERS):
        box = boxes.nth(index)
        label = box.get_attribute("aria-label") or ""
        found = SECTION_OF_LABEL.search(label)
        assert found, label
        sections.append(found[1])
        type_and_commit(box, answer)
        expect(box).to_have_value(answer)
    page.get_by_role("button", name="Coach again with these answers").click()
    wait_for(page, visible(page.get_by_role("heading", name="Version 2")))

    # Each answer stands in the section its question named, and the revise box shows version 2.
    page.get_by_role("tab", name="Story", exact=True).click()
    for answer, section in zip(ANSWERS, sections, strict=True):
        assert_in_section(page, answer.rstrip("."), section)
    revise = visible(
        page.get_by_label("Revise the story (it becomes your notes for the next version)")
    )
    for answer in ANSWERS:
        expect(revise).to_contain_text(answer.rstrip("."), timeout=TIMEOUT_MS)
    assert screenshot("browser-story-answered").is_file()

    # History lists both versions, newest first.
    page.get_by_role("tab", name="History", exact=True).click()
    newest = visible(page.get_by_text("Version 2", exact=True))
    oldest = visible(page.get_by_text("Version 1", exact=True))
    expect(newest).to_be_visible(timeout=TIMEOUT_MS)
    expect(oldest).to_be_visible(timeout=TIMEOUT_MS)
    newest_box, oldest_box = newest.bounding_box(), oldest.bounding_box()
    assert newest_box is not None and oldest_box is not None
    assert newest_box["y"] < oldest_box["y"], "history should list version 2 above version 1"

    assert screenshot("browser-final").is_file()

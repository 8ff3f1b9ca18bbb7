"""Comparing two versions of a story: scores, level, and the story line by line."""

from __future__ import annotations

import pytest

from coach.judgement.rubrics import RubricSet
from coach.models import SECTION_TITLES, CoachResult, Level, Section, StarStory, StoryElement
from coach.surfaces.history import compare, story_lines
from tests.conftest import coach

EARLIER = "Our checkout was slow at peak. I fixed it."
LATER = (
    "Situation: our checkout API's p99 was 850ms at peak.\n"
    "Action: I profiled it and moved the inventory check to an async queue.\n"
    "Result: p99 dropped from 850ms to 320ms over two weeks, measured on our dashboard."
)


@pytest.fixture(scope="module")
def earlier(rubrics: RubricSet) -> CoachResult:
    return coach(EARLIER, rubrics)


@pytest.fixture(scope="module")
def later(rubrics: RubricSet) -> CoachResult:
    return coach(LATER, rubrics)


def _with_story(result: CoachResult, sections: dict[Section, list[str]]) -> CoachResult:
    """`result` telling this story instead (the elements' spans are not read here)."""
    story = StarStory(
        sections={
            section: [StoryElement(text=text, start=0, end=len(text)) for text in texts]
            for section, texts in sections.items()
        }
    )
    return result.model_copy(update={"story": story})


def test_the_story_reads_in_section_order_whatever_order_it_was_built_in(
    earlier: CoachResult,
) -> None:
    result = _with_story(
        earlier,
        {Section.RESULT: ["p99 fell to 320ms."], Section.SITUATION: ["Checkout was slow."]},
    )
    assert story_lines(result) == [
        f"## {SECTION_TITLES[Section.SITUATION]}",
        "- Checkout was slow.",
        f"## {SECTION_TITLES[Section.RESULT]}",
        "- p99 fell to 320ms.",
    ]


def test_an_empty_section_gets_no_heading(earlier: CoachResult) -> None:
    result = _with_story(earlier, {Section.ACTION: ["I fixed it."], Section.LESSONS: []})
    assert story_lines(result) == [f"## {SECTION_TITLES[Section.ACTION]}", "- I fixed it."]


def test_every_score_is_compared_old_against_new(earlier: CoachResult, later: CoachResult) -> None:
    diff = compare(earlier, later)
    assert set(diff.score_changes) == set(earlier.scores.by_name())
    for name, (old, new) in diff.score_changes.items():
        assert old == earlier.scores.by_name()[name].value
        assert new == later.scores.by_name()[name].value
    # The later version is the better one: the comparison must not read backwards.
    assert diff.score_changes["overall"][1] > diff.score_changes["overall"][0]


def test_the_level_change_reads_old_then_new(earlier: CoachResult) -> None:
    raised = earlier.model_copy(
        update={"level": earlier.level.model_copy(update={"estimate": Level.L7})}
    )
    assert compare(earlier, raised).level_change == (earlier.level.estimate.value, "L7")


def test_an_unchanged_story_has_no_line_diff(earlier: CoachResult) -> None:
    assert compare(earlier, earlier).story_diff == []


def test_the_diff_shows_lines_removed_and_added(earlier: CoachResult) -> None:
    old = _with_story(earlier, {Section.ACTION: ["I fixed it.", "I tested it."]})
    new = _with_story(earlier, {Section.ACTION: ["I fixed the lock.", "I tested it."]})
    diff = compare(old, new).story_diff
    assert "-- I fixed it." in diff and "+- I fixed the lock." in diff
    assert " - I tested it." in diff  # unchanged context stays, unmarked
    assert not any(line.endswith("\n") for line in diff)  # lines, ready to join or print

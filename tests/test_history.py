"""Comparing two versions of a story: scores, level and the story line by line."""

from __future__ import annotations

from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet
from coach.models import CoachResult, Level
from coach.surfaces.history import compare, story_lines

BEFORE = (
    "Checkout was slow at peak.\nI profiled the service and moved the inventory call to a queue."
)
AFTER = BEFORE + "\nResult: p99 fell from 850ms to 320ms in two weeks, measured in Datadog."


def _coached(notes: str, rubrics: RubricSet) -> CoachResult:
    return coach_offline(notes, rubrics, target=Level.L6, max_chars=10_000)


def test_the_story_reads_as_headed_sections_in_star_order(rubrics: RubricSet) -> None:
    lines = story_lines(_coached(AFTER, rubrics))
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == ["## Situation", "## Action", "## Result"]
    assert lines[lines.index("## Result") + 1].startswith("- ")  # each element a bullet under it


def test_a_version_with_a_result_shows_it_added_and_every_score_before_and_after(
    rubrics: RubricSet,
) -> None:
    old, new = _coached(BEFORE, rubrics), _coached(AFTER, rubrics)
    diff = compare(old, new)
    assert set(diff.score_changes) == {"overall", "quantification", "structure", "level_fit"}
    assert diff.score_changes["quantification"] == (
        old.scores.quantification.value,
        new.scores.quantification.value,
    )
    assert diff.score_changes["quantification"][1] > diff.score_changes["quantification"][0]
    added = [line for line in diff.story_diff if line.startswith("+") and "320ms" in line]
    assert added and not any(line.startswith("-") and "320ms" in line for line in diff.story_diff)
    assert diff.story_diff[:2] == ["--- earlier version", "+++ later version"]
    assert diff.level_change == (old.level.estimate.value, new.level.estimate.value)


def test_the_same_version_twice_differs_in_nothing(rubrics: RubricSet) -> None:
    result = _coached(AFTER, rubrics)
    diff = compare(result, result)
    assert diff.story_diff == []
    assert all(before == after for before, after in diff.score_changes.values())

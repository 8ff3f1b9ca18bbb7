"""Iterating on a story: compare two versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from coach.models import SECTION_TITLES, CoachResult, Section


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """What changed between two versions: score by score, and line by line of the story."""

    score_changes: dict[str, tuple[int, int]]
    level_change: tuple[str, str]
    story_diff: list[str]


def story_lines(result: CoachResult) -> list[str]:
    """The story as lines, section by section, for comparing versions."""
    lines: list[str] = []
    for section in Section:
        elements = result.story.elements(section)
        if elements:
            lines.append(f"## {SECTION_TITLES[section]}")
            lines += [f"- {element.text}" for element in elements]
    return lines


def compare(old: CoachResult, new: CoachResult) -> VersionDiff:
    """The difference between two coaching results."""
    new_scores = new.scores.by_name()
    changes = {
        name: (score.value, new_scores[name].value) for name, score in old.scores.by_name().items()
    }
    diff = list(
        difflib.unified_diff(
            story_lines(old), story_lines(new), "earlier version", "later version", lineterm=""
        )
    )
    return VersionDiff(changes, (old.level.estimate.value, new.level.estimate.value), diff)

"""The offline coaching run: check the notes, restructure them, grade the story."""

from __future__ import annotations

from coach.errors import InputError
from coach.grader import grade
from coach.injection import find_injections, mask
from coach.models import CoachResult, Engine, Framework, Level
from coach.restructurer import restructure, to_psi
from coach.rubrics import RubricSet
from coach.segmenter import split_lines
from coach.structure import spoken_seconds


def check_notes(notes: str, max_chars: int) -> None:
    """Refuse notes that cannot be coached, with a message that says what to do."""
    if not notes.strip():
        raise InputError("The notes are empty: paste a few sentences about what you did.")
    if len(notes) > max_chars:
        raise InputError(
            f"The notes are {len(notes):,} characters; the limit is {max_chars:,}. "
            "Coach one story at a time."
        )


def coach_offline(
    notes: str,
    rubrics: RubricSet,
    *,
    target: Level = Level.L6,
    framework: Framework = Framework.STAR,
    max_chars: int,
) -> CoachResult:
    """Restructure and grade notes with no model: the user's own words, placed and scored."""
    check_notes(notes, max_chars)
    lines = split_lines(notes)
    injections = find_injections(notes, rubrics.injection, lines)
    # Injected instructions are blanked (same length) so they place nothing and score nothing.
    clean = mask(notes, injections)
    restructured = restructure(clean, rubrics, lines if clean is notes else None)
    graded = grade(
        clean,
        restructured.units,
        rubrics,
        target,
        framework,
        tokens=restructured.tokens,
        hits=restructured.hits,
    )
    return CoachResult(
        engine=Engine.OFFLINE,
        framework=framework,
        target=target,
        notes_chars=len(notes),
        word_count=graded.words,
        spoken_seconds=spoken_seconds(graded.words, rubrics.star_plus),
        story=restructured.story,
        psi=to_psi(restructured.story, rubrics.star_plus) if framework is Framework.PSI else None,
        metrics=graded.metrics,
        scores=graded.scores,
        level=graded.level,
        questions=graded.questions,
        flags=[*injections, *graded.flags],
        rubric_versions=rubrics.versions,
    )

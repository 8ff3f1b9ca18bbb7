"""The offline coaching run: check the notes, restructure them, grade the story."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.errors import InputError, notes_too_long
from coach.judgement.answers import Answer, Material, answered_slots, material
from coach.judgement.grader import Grade, grade
from coach.judgement.injection import find_injections, mask
from coach.judgement.language import language_flag
from coach.judgement.placement import PlacedUnit
from coach.judgement.restructurer import Restructured, restructure, to_psi
from coach.judgement.rubrics import RubricSet
from coach.judgement.segmenter import split_lines
from coach.judgement.structure import spoken_seconds
from coach.models import (
    CoachResult,
    Engine,
    Flag,
    Framework,
    Level,
    LlmReport,
    Question,
    StarStory,
)


def check_notes(notes: str, max_chars: int) -> None:
    """Refuse notes that cannot be coached, with a message that says what to do."""
    if not notes.strip():
        raise InputError("The notes are empty: paste a few sentences about what you did.")
    if len(notes) > max_chars:
        raise notes_too_long(len(notes), max_chars)


@dataclass(frozen=True, slots=True)
class Prepared:
    """Notes (and answers) made safe to read: injected instructions found and blanked, every
    sentence placed."""

    notes: str
    injections: list[Flag]
    # The material (the notes, then each answer) with the injections blanked, same length, so
    # every span indexes both.
    clean: str
    restructured: Restructured
    material: Material
    language: list[Flag]  # a notice when the notes are mostly not English

    def grade(
        self,
        rubrics: RubricSet,
        target: Level,
        framework: Framework,
        units: Sequence[PlacedUnit] | None = None,
    ) -> Grade:
        """Grade the clean notes as `units` place them; by default, as the offline engine does."""
        analysis = self.restructured.analysis
        return grade(
            analysis if units is None else analysis.placed_as(units), rubrics, target, framework
        )


def prepare_notes(notes: str, rubrics: RubricSet, answers: Sequence[Answer] = ()) -> Prepared:
    """Find and blank injected instructions, then place every sentence (after `check_notes`).

    `answers` are read after the notes, each in the section its question named.
    """
    read = material(notes, answers)
    lines = split_lines(read.text)
    injections = find_injections(read.text, rubrics.injection, lines, rubrics.injection_model)
    # Injected instructions are blanked (same length) so they place nothing and score nothing.
    clean = mask(read.text, injections)
    # Blanked notes are other text: their lines are split afresh.
    restructured = restructure(clean, rubrics, None if injections else lines, read)
    language = [flag for flag in (language_flag(notes, rubrics.language),) if flag is not None]
    return Prepared(notes, injections, clean, restructured, read, language)


def build_result(
    prepared: Prepared,
    graded: Grade,
    rubrics: RubricSet,
    target: Level,
    framework: Framework,
    *,
    story: StarStory | None = None,
    questions: list[Question] | None = None,
    flags: Sequence[Flag] = (),
    llm: LlmReport | None = None,
) -> CoachResult:
    """The result of a run; a model run passes its own story, questions, flags and report.

    `flags` go between the injection flags and the grader's.
    """
    story = prepared.restructured.story if story is None else story
    return CoachResult(
        engine=Engine.OFFLINE if llm is None else Engine.LLM,
        framework=framework,
        target=target,
        notes_chars=len(prepared.notes),
        word_count=graded.words,
        spoken_seconds=spoken_seconds(graded.words, rubrics.star_plus),
        story=story,
        psi=to_psi(story, rubrics.star_plus) if framework is Framework.PSI else None,
        metrics=graded.metrics,
        scores=graded.scores,
        level=graded.level,
        questions=graded.questions if questions is None else questions,
        flags=[*prepared.language, *prepared.injections, *flags, *graded.flags],
        rubric_versions=rubrics.versions,
        llm=llm,
        answers=answered_slots(prepared.material),
    )


def offline_result(
    prepared: Prepared, rubrics: RubricSet, target: Level, framework: Framework
) -> CoachResult:
    """The offline engine's answer for prepared notes: the user's own words, placed and scored."""
    return build_result(
        prepared, prepared.grade(rubrics, target, framework), rubrics, target, framework
    )


def coach_offline(
    notes: str,
    rubrics: RubricSet,
    *,
    target: Level = Level.L6,
    framework: Framework = Framework.STAR,
    max_chars: int,
    answers: Sequence[Answer] = (),
) -> CoachResult:
    """Restructure and grade notes with no model: the user's own words, placed and scored."""
    check_notes(notes, max_chars)
    return offline_result(prepare_notes(notes, rubrics, answers), rubrics, target, framework)

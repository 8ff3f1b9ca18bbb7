"""The grader: a pure function of the notes, where their sentences were placed, and the rubrics.

No I/O, no model, no clock, no randomness: the same notes and placement always get the same
scores, each with the words and rubric lines behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from coach.judgement.analysis import Analysis
from coach.judgement.answers import attach
from coach.judgement.levels import level_fit_score, level_hits, read_level
from coach.judgement.quantification import (
    QuantCues,
    build_metrics,
    quant_features,
    quant_score,
    suspicious_precision,
)
from coach.judgement.questions import GradeState, ask
from coach.judgement.rubrics import OverallRubric, RubricSet
from coach.judgement.structure import structure_features, structure_score
from coach.models import (
    Excerpt,
    Flag,
    Framework,
    Level,
    LevelReading,
    Metric,
    Question,
    Score,
    ScoreComponent,
    Scores,
    Section,
)

_EVIDENCE_PER_SECTION: Final = 1


@dataclass(frozen=True, slots=True)
class Grade:
    """What the grader found."""

    metrics: list[Metric]
    scores: Scores
    level: LevelReading
    questions: list[Question]
    flags: list[Flag]
    words: int
    level_features: dict[str, float]  # what a learned level reading weighs: training reads it


def overall_score(parts: dict[str, Score], rubric: OverallRubric) -> Score:
    """Weighted mean of the other scores."""
    components = [
        ScoreComponent(
            name=name,
            points=round(parts[name].value * weight, 2),
            max_points=round(100 * weight, 2),
            rubric=f"{name.replace('_', ' ')} counts {weight:.0%} of the overall score",
            reason=f"{name.replace('_', ' ')} {parts[name].value}/100",
        )
        for name, weight in rubric.weights.items()
    ]
    return Score.from_components("overall", components)


def grade(analysis: Analysis, rubrics: RubricSet, target: Level, framework: Framework) -> Grade:
    """Score a placed story, read its level, and ask what would raise it: from the restructurer's
    reading of the notes, so they are walked once."""
    notes, placed, tokens, inside = analysis.notes, analysis.units, analysis.tokens, analysis.inside
    answers = analysis.answers
    cues = QuantCues(inside, placed)
    attached = attach(answers, placed)
    metrics = build_metrics(notes, placed, cues, rubrics.quantification, attached)
    quant = quant_features(notes, placed, metrics, cues, rubrics.quantification, attached)
    structure = structure_features(placed, tokens)
    reading, level_weights, role_flag, level_features = read_level(
        notes,
        placed,
        level_hits(inside),
        metrics,
        rubrics.level,
        target,
        tokens,
        rubrics.reach,
        rubrics.level_model,
    )
    first_of_section: dict[Section, Excerpt] = {}
    for unit in placed:
        if unit.section not in first_of_section:
            first_of_section[unit.section] = Excerpt.of(notes, unit.start, unit.end)
    parts = {
        "quantification": quant_score(
            quant,
            rubrics.quantification,
            [m.excerpt() for m in metrics if m.is_result],
        ),
        "structure": structure_score(
            structure, rubrics.star_plus, framework, list(first_of_section.values())
        ),
        "level_fit": level_fit_score(reading, rubrics.level),
    }
    scores = Scores(overall=overall_score(parts, rubrics.overall), **parts)
    state = GradeState(quant, structure, level_weights, reading, framework)
    flags = [
        flag
        for flag in (
            suspicious_precision(metrics, rubrics.quantification),
            role_flag,
        )
        if flag is not None
    ]
    return Grade(
        metrics=metrics,
        scores=scores,
        level=reading,
        questions=ask(notes, placed, metrics, state, rubrics, attached.asked_no_figure),
        flags=flags,
        words=structure.total_words,
        level_features=level_features,
    )

"""Follow-up questions aimed at what is missing, ranked by how much each answer would add."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.levels import DimensionWeights, dimension_level, level_fit_score, mean_points
from coach.models import (
    Excerpt,
    Framework,
    Level,
    LevelReading,
    LevelSignal,
    Metric,
    MetricCheck,
    Question,
    Score,
    Section,
)
from coach.placement import PlacedUnit
from coach.quantification import QuantFeatures, quant_score
from coach.rubrics import RubricSet
from coach.structure import StructureFeatures, structure_score

_QUOTE_CHARS = 90
_COVERAGE_QUESTIONS = 3
_CHECKS_PER_QUESTION = 2


@dataclass(frozen=True, slots=True)
class GradeState:
    """Everything the scores were computed from, so an answer's worth can be priced."""

    quant: QuantFeatures
    structure: StructureFeatures
    level_weights: dict[str, DimensionWeights]
    reading: LevelReading
    framework: Framework


def _exact(score: Score) -> float:
    """A score before rounding, so small gains are not lost."""
    total = sum(c.max_points for c in score.components) or 1.0
    return 100 * sum(c.points for c in score.components) / total


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1].rstrip() + "\u2026"


def _level_fit_if(
    state: GradeState, dimension: str, weights: DimensionWeights, rubrics: RubricSet
) -> float:
    """The level-fit score had one dimension's weights been `weights`."""
    rubric = rubrics.level
    signals: list[LevelSignal] = []
    for signal in state.reading.signals:
        if signal.dimension == dimension:
            level = dimension_level(weights, rubric.dimensions[dimension])
            signal = signal.model_copy(update={"level": level, "points": rubric.points[level]})
        signals.append(signal)
    reading = state.reading.model_copy(
        update={"signals": signals, "points": mean_points(signals, rubric)}
    )
    return _exact(level_fit_score(reading, rubric))


def ask(
    notes: str,
    placed: Sequence[PlacedUnit],
    metrics: Sequence[Metric],
    state: GradeState,
    rubrics: RubricSet,
) -> list[Question]:
    """The questions whose answers would raise the overall score most, best first."""
    weights = rubrics.overall.weights
    quant_rubric, star = rubrics.quantification, rubrics.star_plus
    quant_now = _exact(quant_score(state.quant, quant_rubric))
    structure_now = _exact(structure_score(state.structure, star, state.framework))
    level_now = _exact(level_fit_score(state.reading, rubrics.level))
    candidates: list[Question] = []

    def quant_gain(features: QuantFeatures) -> float:
        return (_exact(quant_score(features, quant_rubric)) - quant_now) * weights["quantification"]

    for section in Section:
        if section in state.structure.present:
            continue
        after = _exact(
            structure_score(state.structure.with_section(section), star, state.framework)
        )
        candidates.append(
            Question(
                slot=f"section.{section.value}",
                question=star.sections[section].question,
                gain=(after - structure_now) * weights["structure"],
                section=section,
            )
        )

    result_units = [u for u in placed if u.section in quant_rubric.result_sections]
    if not metrics or not any(m.is_result for m in metrics):
        candidates.append(
            Question(
                slot="metric.none",
                question=quant_rubric.questions["no_metrics"],
                gain=quant_gain(state.quant.with_one_more_figure()),
                section=Section.RESULT,
            )
        )
    running = state.quant
    for unit in [u for u in result_units if not u.measured.figures][:_COVERAGE_QUESTIONS]:
        text = notes[unit.start : unit.end]
        gain = quant_gain(running.with_one_more_figure()) - quant_gain(running)
        running = running.with_one_more_figure()
        candidates.append(
            Question(
                slot=f"metric.coverage@{unit.start}",
                question=quant_rubric.questions["coverage"].format(text=_quote(text)),
                gain=gain,
                section=unit.section,
                about=Excerpt(text=text, start=unit.start, end=unit.end),
            )
        )

    running = state.quant
    for metric in (m for m in metrics if m.is_result):
        priced: list[tuple[float, MetricCheck]] = []
        for check in MetricCheck:
            if getattr(metric, check.value):
                continue
            gain = quant_gain(running.with_one_more(check)) - quant_gain(running)
            if gain > 0:
                priced.append((gain, check))
        chosen = sorted(priced, key=lambda p: -p[0])[:_CHECKS_PER_QUESTION]
        if not chosen:
            continue
        for _, check in chosen:
            running = running.with_one_more(check)
        chosen.sort(key=lambda p: list(MetricCheck).index(p[1]))
        candidates.append(
            Question(
                slot="metric." + "+".join(c.value for _, c in chosen) + f"@{metric.start}",
                question=_join_questions(
                    [
                        quant_rubric.questions[c.value].format(
                            subject=metric.subject or f"\u201c{metric.text}\u201d",
                            figure=metric.after.text if metric.after else metric.text,
                        )
                        for _, c in chosen
                    ]
                ),
                gain=sum(g for g, _ in chosen),
                section=metric.section,
                about=Excerpt(text=metric.text, start=metric.start, end=metric.end),
            )
        )

    if len(state.quant.families) < 2 and state.quant.result_metrics:
        both = frozenset({"business", "technical"})
        candidates.append(
            Question(
                slot="metric.breadth",
                question=quant_rubric.questions["breadth"],
                gain=quant_gain(state.quant.with_families(both)),
                section=Section.RESULT,
            )
        )

    target = state.reading.target
    for signal in state.reading.signals:
        dimension = rubrics.level.dimensions[signal.dimension]
        current = state.level_weights[signal.dimension]
        if signal.level.rank < target.rank:
            asked_level = target if target is not Level.L5 else Level.L6
            after = _level_fit_if(
                state, signal.dimension, current.reaching(asked_level, dimension), rubrics
            )
            candidates.append(
                Question(
                    slot=f"level.{signal.dimension}",
                    question=dimension.question[asked_level],
                    gain=(after - level_now) * weights["level_fit"],
                    about=signal.evidence[0] if signal.evidence else None,
                )
            )
        elif current.anti and signal.anti_evidence:
            after = _level_fit_if(state, signal.dimension, current.without_anti(), rubrics)
            if after > level_now:
                candidates.append(
                    Question(
                        slot=f"level.{signal.dimension}.anti",
                        question=f"You wrote \u201c{signal.anti_evidence[0].text}\u201d: "
                        + dimension.question[max(target, Level.L6, key=lambda lv: lv.rank)],
                        gain=(after - level_now) * weights["level_fit"],
                        about=signal.anti_evidence[0],
                    )
                )

    ranked = sorted(
        (q.model_copy(update={"gain": round(q.gain, 1)}) for q in candidates if q.gain > 0.05),
        key=lambda q: (-q.gain, q.about.start if q.about else -1, q.slot),
    )
    return ranked[: rubrics.overall.max_questions]


def _join_questions(questions: list[str]) -> str:
    """Join two questions about one figure into one sentence."""
    if len(questions) == 1:
        return questions[0]
    first = questions[0].rstrip("?")
    rest = [q[0].lower() + q[1:] for q in questions[1:]]
    return ", and ".join([first, *[r.rstrip("?") for r in rest]]) + "?"

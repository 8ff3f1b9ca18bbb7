"""Follow-up questions aimed at what is missing, ranked by how much each answer would add."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from coach.judgement.answers import coverage_slot, metric_slot
from coach.judgement.figure_words import is_bare_number
from coach.judgement.levels import DimensionWeights, dimension_level, level_fit_points
from coach.judgement.placement import PlacedUnit
from coach.judgement.quantification import CHECKS, QuantFeatures, quant_points
from coach.judgement.rubrics import RubricSet
from coach.judgement.structure import StructureFeatures, structure_points
from coach.models import (
    Excerpt,
    Framework,
    Level,
    LevelReading,
    Metric,
    MetricCheck,
    Question,
    Section,
)

_QUOTE_CHARS: Final = 90
_COVERAGE_QUESTIONS: Final = 3
_CHECKS_PER_QUESTION: Final = 2
_MIN_GAIN: Final = 0.05  # below this an answer would not move the rounded score
_CHECK_ORDER: Final = {check: i for i, check in enumerate(CHECKS)}


@dataclass(frozen=True, slots=True)
class GradeState:
    """Everything the scores were computed from, so an answer's worth can be priced."""

    quant: QuantFeatures
    structure: StructureFeatures
    level_weights: dict[str, DimensionWeights]
    reading: LevelReading
    framework: Framework


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_CHARS else text[: _QUOTE_CHARS - 1].rstrip() + "\u2026"


def _level_fit_if(
    state: GradeState, dimension: str, weights: DimensionWeights, rubrics: RubricSet
) -> float:
    """The level-fit score had one dimension's weights been `weights`."""
    rubric = rubrics.level
    points = {s.dimension: s.points for s in state.reading.signals}
    points[dimension] = rubric.points[dimension_level(weights, rubric.dimensions[dimension])]
    return level_fit_points(points, state.reading.target, rubric)


class _Ask(NamedTuple):
    """A candidate question; only the best few become `Question`s."""

    slot: str
    question: str
    gain: float
    section: Section | None = None
    about: tuple[int, int] | None = None


class _Pricer:
    """Overall points an answer adds, by re-scoring with the slot filled."""

    def __init__(self, state: GradeState, rubrics: RubricSet) -> None:
        self.state, self.rubrics = state, rubrics
        self.weights = rubrics.overall.weights
        self.quant_now = quant_points(state.quant, rubrics.quantification)
        self.structure_now = self._structure_points(state.structure)
        self.level_now = level_fit_points(
            {s.dimension: s.points for s in state.reading.signals},
            state.reading.target,
            rubrics.level,
        )
        # What one more metric passing a check adds depends only on that check's counts (the
        # story-level evidence is this state's), and answers are priced metric by metric: most
        # prices repeat.
        self._check_gains: dict[tuple[MetricCheck, int, int], float] = {}

    def quant(self, features: QuantFeatures) -> float:
        now = quant_points(features, self.rubrics.quantification)
        return (now - self.quant_now) * self.weights["quantification"]

    def check(self, features: QuantFeatures, check: MetricCheck) -> float:
        """What one more result metric passing `check` adds (only that rubric line moves)."""
        key = (check, features.passing[check], features.eligible[check])
        gain = self._check_gains.get(key)
        if gain is None:
            rubric = self.rubrics.quantification
            before = quant_points(features, rubric, only=check)
            after = quant_points(features.with_one_more(check), rubric, only=check)
            gain = self._check_gains[key] = (after - before) * self.weights["quantification"]
        return gain

    def _structure_points(self, features: StructureFeatures) -> float:
        # Answers add sections, which move the completeness points alone.
        return structure_points(
            features, self.rubrics.star_plus, self.state.framework, only_completeness=True
        )

    def structure(self, features: StructureFeatures) -> float:
        """What these features (the story with one more section) add."""
        now = self._structure_points(features)
        return (now - self.structure_now) * self.weights["structure"]

    def level(self, dimension: str, weights: DimensionWeights) -> float:
        now = _level_fit_if(self.state, dimension, weights, self.rubrics)
        return (now - self.level_now) * self.weights["level_fit"]


def _section_asks(state: GradeState, rubrics: RubricSet, price: _Pricer) -> list[_Ask]:
    """One question per missing STAR+ section."""
    return [
        _Ask(
            slot=f"section.{section.value}",
            question=rubrics.star_plus.sections[section].question,
            gain=price.structure(state.structure.with_section(section)),
            section=section,
        )
        for section in Section
        if section not in state.structure.present
    ]


def _metric_asks(
    notes: str,
    placed: Sequence[PlacedUnit],
    metrics: Sequence[Metric],
    state: GradeState,
    rubrics: RubricSet,
    price: _Pricer,
) -> list[_Ask]:
    """Questions about figures: results without one, and each metric's missing checks."""
    rubric = rubrics.quantification
    asks: list[_Ask] = []
    results = [m for m in metrics if m.is_result]
    if not results:
        asks.append(
            _Ask(
                slot="metric.none",
                question=rubric.questions["no_metrics"],
                gain=price.quant(state.quant.with_figure_answered(new_statement=True)),
                section=Section.RESULT,
            )
        )
    # Each answer is priced alone, on the story as it stands: what the question promises is what
    # answering it, and only it, earns.
    unquantified = [
        u for u in placed if u.section in rubric.result_sections and not u.measured.figures
    ]
    for unit in unquantified[:_COVERAGE_QUESTIONS]:
        # "By how much, and measured how?": a figure for the statement, and its method.
        gain = price.quant(
            state.quant.with_figure_answered(new_statement=False).with_check_answered(
                MetricCheck.METHOD
            )
        )
        asks.append(
            _Ask(
                slot=coverage_slot(unit.start),
                question=rubric.section_question("coverage", unit.section).format(
                    text=_quote(notes[unit.start : unit.end])
                ),
                gain=gain,
                section=unit.section,
                about=(unit.start, unit.end),
            )
        )
    for metric in results:
        if not metric.subject and metric.before is None and is_bare_number(metric.text):
            continue  # "handled 5 solo": a number with no phrase to ask about; no question fits
        priced = [
            (price.check(state.quant, check), check)
            for check in CHECKS
            if not getattr(metric, check) and rubric.applies(check, metric.kind)
        ]
        chosen = sorted((p for p in priced if p[0] > 0), key=lambda p: -p[0])
        chosen = sorted(chosen[:_CHECKS_PER_QUESTION], key=lambda p: _CHECK_ORDER[p[1]])
        if not chosen:
            continue
        subject = _mid_sentence(metric.subject) if metric.subject else f"\u201c{metric.text}\u201d"
        figure = metric.after.text if metric.after else metric.text
        asks.append(
            _Ask(
                slot=metric_slot([c for _, c in chosen], metric.start),
                question=_join_questions(
                    [
                        rubric.question(c, metric.kind).format(
                            subject=subject, figure=figure, was=_was(metric.subject)
                        )
                        for _, c in chosen
                    ]
                ),
                gain=sum(g for g, _ in chosen),
                section=metric.section,
                about=(metric.start, metric.end),
            )
        )
    if len(state.quant.families) < 2 and results:
        asks.append(
            _Ask(
                slot="metric.breadth",
                question=rubric.questions["breadth"],
                # It asks for the business side: the family a system's figures lack.
                gain=price.quant(
                    state.quant.with_figure_answered(new_statement=True).with_families(
                        state.quant.families | {"business"}
                    )
                ),
                section=Section.RESULT,
            )
        )
    return asks


def _level_asks(state: GradeState, rubrics: RubricSet, price: _Pricer) -> list[_Ask]:
    """Questions for level dimensions below the target, and anti-signals that hold one back."""
    target = state.reading.target
    asked_level = target if target is not Level.L5 else Level.L6
    asks: list[_Ask] = []
    for signal in state.reading.signals:
        dimension = rubrics.level.dimensions[signal.dimension]
        current = state.level_weights[signal.dimension]
        section = dimension.section[asked_level]
        # The answer lands in `section`: a section the story lacked is one more it has.
        adds_section = (
            price.structure(state.structure.with_section(section))
            if section not in state.structure.present
            else 0.0
        )
        if signal.level.rank < target.rank:
            asks.append(
                _Ask(
                    slot=f"level.{signal.dimension}",
                    question=dimension.question[asked_level],
                    gain=price.level(signal.dimension, current.reaching(asked_level, dimension))
                    + adds_section,
                    section=section,
                    about=_span(signal.evidence[0]) if signal.evidence else None,
                )
            )
        elif current.anti and signal.anti_evidence:
            anti = signal.anti_evidence[0]
            asks.append(
                _Ask(
                    slot=f"level.{signal.dimension}.anti",
                    question=f"You wrote \u201c{anti.text}\u201d: "
                    + dimension.question[asked_level],
                    gain=price.level(signal.dimension, current.without_anti()) + adds_section,
                    section=section,
                    about=_span(anti),
                )
            )
    return asks


def _span(excerpt: Excerpt) -> tuple[int, int]:
    return excerpt.start, excerpt.end


def ask(
    notes: str,
    placed: Sequence[PlacedUnit],
    metrics: Sequence[Metric],
    state: GradeState,
    rubrics: RubricSet,
    answered: frozenset[int] = frozenset(),
) -> list[Question]:
    """The questions whose answers would raise the overall score most, best first.

    `answered`: the answers (by index) that replied to a question asking no figure; what they
    say is not asked about again ("You wrote ...: by how much?" about the user's own answer).
    """
    price = _Pricer(state, rubrics)
    asked_about = [u for u in placed if u.answer not in answered]
    about_notes = [m for m in metrics if m.answer not in answered]
    asks = [
        *_section_asks(state, rubrics, price),
        *_metric_asks(notes, asked_about, about_notes, state, rubrics, price),
        *_level_asks(state, rubrics, price),
    ]
    ranked = _one_per_answer(
        sorted(
            (a for a in asks if a.gain > _MIN_GAIN),
            key=lambda a: (-round(a.gain, 1), a.about[0] if a.about else -1, a.slot),
        ),
        rubrics.overall.same_answer,
    )
    return [
        Question(
            slot=a.slot,
            question=a.question,
            gain=round(a.gain, 1),
            section=a.section,
            about=Excerpt.of(notes, *a.about) if a.about else None,
        )
        for a in ranked[: rubrics.overall.max_questions]
    ]


def _one_per_answer(ranked: list[_Ask], same_answer: Sequence[tuple[str, str]]) -> list[_Ask]:
    """`ranked` without the lower of two questions that one answer fills ("Which alternatives
    did you weigh?" for the missing trade-offs and for the judgment dimension)."""
    twin = {a: b for pair in same_answer for a, b in (pair, pair[::-1])}
    asked: set[str] = set()
    kept: list[_Ask] = []
    for candidate in ranked:
        if twin.get(candidate.slot) not in asked:
            kept.append(candidate)
            asked.add(candidate.slot)
    return kept


def _mid_sentence(words: str) -> str:
    """Words quoted from the start of a sentence as they read inside one ("Timeouts" ->
    "timeouts"); acronyms and names with capitals inside ("NPS", "GitHub") are kept."""
    return words[0].lower() + words[1:] if words[:1].isupper() and words[1:].islower() else words


def _was(subject: str | None) -> str:
    """ "were" after a plural subject ("What were costs before?"); acronyms such as NPS are not."""
    last = subject.split()[-1] if subject else ""
    return "were" if len(last) > 3 and last.endswith("s") and not last.isupper() else "was"


def _join_questions(questions: list[str]) -> str:
    """Join two questions about one figure into one sentence."""
    if len(questions) == 1:
        return questions[0]
    first = questions[0].rstrip("?")
    rest = [q[0].lower() + q[1:] for q in questions[1:]]
    return ", and ".join([first, *[r.rstrip("?") for r in rest]]) + "?"

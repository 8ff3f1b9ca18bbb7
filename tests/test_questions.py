"""Follow-up questions: which are asked, what each is worth, and in what order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from coach.judgement.levels import DimensionWeights
from coach.judgement.placement import Measured, PlacedUnit
from coach.judgement.quantification import CHECKS, QuantFeatures
from coach.judgement.questions import GradeState, ask
from coach.judgement.rubrics import RubricSet
from coach.judgement.rubrics.level import DimensionRubric
from coach.judgement.structure import StructureFeatures, structure_points
from coach.models import (
    Excerpt,
    Framework,
    Level,
    LevelReading,
    LevelSignal,
    Metric,
    MetricCheck,
    MetricKind,
    Question,
    Section,
)

ALL_SECTIONS = frozenset(Section)


def _weights_reading(level: Level, dimension: DimensionRubric, anti: float) -> DimensionWeights:
    """Cue weights that read exactly `level` despite `anti`, as the level reading would weigh."""
    l6 = dimension.L6.min_weight + anti if level is Level.L6 else 0.0
    l7 = dimension.L7.min_weight + anti if level is Level.L7 else 0.0
    return DimensionWeights(l6, l7, anti, (), (), ())


def _quant(
    *,
    passing: int = 1,
    families: frozenset[str] = frozenset({"business", "technical"}),
    units: int = 1,
    with_figures: int = 1,
) -> QuantFeatures:
    """One result metric; every check passed by default, so no figure question is worth asking."""
    return QuantFeatures(
        result_units=units,
        result_units_with_figures=with_figures,
        result_metrics=1,
        eligible=dict.fromkeys(CHECKS, 1),
        passing=dict.fromkeys(CHECKS, passing),
        story_level=dict.fromkeys(CHECKS),
        families=families,
    )


def _state(
    rubrics: RubricSet,
    *,
    present: frozenset[Section] = ALL_SECTIONS,
    quant: QuantFeatures | None = None,
    levels: Mapping[str, Level] | None = None,
    anti: Mapping[str, Excerpt] | None = None,
    target: Level = Level.L6,
) -> GradeState:
    """A graded story by hand: dimensions at `target` unless `levels` says otherwise."""
    levels, anti = levels or {}, anti or {}
    rubric = rubrics.level
    signals, weights = [], {}
    for name in rubric.dimensions:
        level = levels.get(name, target)
        signals.append(
            LevelSignal(
                dimension=name,
                level=level,
                points=rubric.points[level],
                evidence=[],
                anti_evidence=[anti[name]] if name in anti else [],
                rubric="",
            )
        )
        weights[name] = _weights_reading(
            level, rubric.dimensions[name], 1.0 if name in anti else 0.0
        )
    reading = LevelReading(
        estimate=target, target=target, points=0.0, signals=signals, to_target=[]
    )
    words = {section: 10 if section in present else 0 for section in Section}
    return GradeState(
        quant=quant or _quant(),
        structure=StructureFeatures(present, words),
        level_weights=weights,
        reading=reading,
        framework=Framework.STAR,
    )


def _unit(notes: str, text: str, section: Section, sentence: int = 0) -> PlacedUnit:
    start = notes.index(text)
    return PlacedUnit(start, start + len(text), sentence, section, None, Measured((), ()))


def _metric(notes: str, text: str, **fields: object) -> Metric:
    start = notes.index(text)
    values: dict[str, object] = {"kind": MetricKind.LATENCY, "section": Section.RESULT}
    values |= {"is_result": True, **fields}
    return Metric(text=text, start=start, end=start + len(text), **values)


def _metric_all_checked() -> Metric:
    """A result figure meeting every check (the notes are its own text)."""
    return _metric("320ms", "320ms", subject="p99", **dict.fromkeys(CHECKS, True))


def _slots(questions: Sequence[Question]) -> list[str]:
    return [q.slot for q in questions]


def test_a_complete_story_at_its_target_is_asked_nothing(rubrics: RubricSet) -> None:
    assert ask("320ms", [], [_metric_all_checked()], _state(rubrics), rubrics) == []


def test_a_question_whose_answer_adds_nothing_is_not_asked(rubrics: RubricSet) -> None:
    # An anti-signal in a dimension already at target, in a story with every section: answering
    # it would move no score.
    notes = "I managed a team of 40 engineers."
    boast = Excerpt.of(notes, notes.index("a team"), notes.index("."))
    state = _state(rubrics, anti={"scope": boast})
    assert ask(notes, [], [_metric_all_checked()], state, rubrics) == []


def test_each_missing_section_is_asked_with_its_rubric_question(rubrics: RubricSet) -> None:
    present = ALL_SECTIONS - {Section.TRADEOFFS, Section.LESSONS}
    questions = ask("", [], [_metric_all_checked()], _state(rubrics, present=present), rubrics)
    by_slot = {q.slot: q for q in questions}
    assert set(by_slot) == {"section.tradeoffs", "section.lessons"}
    for section in (Section.TRADEOFFS, Section.LESSONS):
        asked = by_slot[f"section.{section.value}"]
        assert asked.question == rubrics.star_plus.sections[section].question
        assert asked.section is section


def test_a_section_is_worth_what_it_adds_to_the_overall_score(rubrics: RubricSet) -> None:
    # Only completeness may move: balance and length count words, which an answer does not change.
    state = _state(rubrics, present=ALL_SECTIONS - {Section.ACTION})
    [question] = ask("", [], [_metric_all_checked()], state, rubrics)
    rubric = rubrics.star_plus
    before = structure_points(state.structure, rubric, Framework.STAR)
    after = structure_points(state.structure.with_section(Section.ACTION), rubric, Framework.STAR)
    weight = rubrics.overall.weights["structure"]
    assert question.gain == pytest.approx(round((after - before) * weight, 1))
    assert question.gain > 0


def test_questions_come_best_first(rubrics: RubricSet) -> None:
    # The rubric weighs Action far above Future Applications.
    missing = {Section.FUTURE_APPLICATIONS, Section.ACTION, Section.LESSONS}
    state = _state(rubrics, present=ALL_SECTIONS - missing)
    questions = ask("", [], [_metric_all_checked()], state, rubrics)
    gains = [q.gain for q in questions]
    assert gains == sorted(gains, reverse=True)
    assert questions[0].slot == "section.action"
    assert questions[-1].slot == "section.future_applications"


def test_no_more_questions_than_the_rubric_allows(rubrics: RubricSet) -> None:
    state = _state(
        rubrics, present=frozenset(), levels=dict.fromkeys(rubrics.level.dimensions, Level.L5)
    )
    questions = ask("", [], [_metric_all_checked()], state, rubrics)
    assert len(questions) == rubrics.overall.max_questions


def test_one_answer_is_not_asked_for_twice(rubrics: RubricSet) -> None:
    # "Which alternatives did you weigh?" fills the missing trade-offs and the judgment dimension.
    [(first, second)] = [p for p in rubrics.overall.same_answer if "section.tradeoffs" in p]
    dimension = (first if first.startswith("level.") else second).removeprefix("level.")
    state = _state(
        rubrics, present=ALL_SECTIONS - {Section.TRADEOFFS}, levels={dimension: Level.L5}
    )
    slots = _slots(ask("", [], [_metric_all_checked()], state, rubrics))
    assert len({first, second} & set(slots)) == 1


def test_a_story_without_a_result_figure_is_asked_for_one(rubrics: RubricSet) -> None:
    state = _state(rubrics, quant=_quant(passing=0, units=1, with_figures=0, families=frozenset()))
    questions = ask("", [], [], state, rubrics)
    [none] = [q for q in questions if q.slot == "metric.none"]
    assert none.question == rubrics.quantification.questions["no_metrics"]
    assert none.section is Section.RESULT and none.gain > 0


def test_an_unquantified_result_statement_is_asked_by_how_much(rubrics: RubricSet) -> None:
    notes = "Result: checkout got much faster."
    statement = "checkout got much faster."
    state = _state(rubrics, quant=_quant(units=2, with_figures=1))
    placed = [_unit(notes, statement, Section.RESULT)]
    [question] = ask(notes, placed, [_metric_all_checked()], state, rubrics)
    assert question.slot.startswith("metric.coverage")
    assert question.about is not None and question.about.text == statement
    assert statement in question.question  # it quotes the user's words back


def test_a_long_statement_is_quoted_short(rubrics: RubricSet) -> None:
    statement = "Checkout got faster " + "and the team was much happier about it " * 5 + "too."
    state = _state(rubrics, quant=_quant(units=2, with_figures=1))
    placed = [_unit(statement, statement, Section.RESULT)]
    [question] = ask(statement, placed, [_metric_all_checked()], state, rubrics)
    assert statement not in question.question and "\u2026" in question.question
    assert question.about is not None and question.about.text == statement  # the span stays whole


def test_a_statement_from_an_answer_that_gave_no_figure_is_not_asked_again(
    rubrics: RubricSet,
) -> None:
    notes = "Result: checkout got much faster."
    unit = _unit(notes, "checkout got much faster.", Section.RESULT)._replace(answer=0)
    state = _state(rubrics, quant=_quant(units=2, with_figures=1))
    figures = [_metric_all_checked()]
    assert ask(notes, [unit], figures, state, rubrics, answered=frozenset({0})) == []
    assert ask(notes, [unit], figures, state, rubrics, answered=frozenset({1})) != []


def test_a_metric_without_a_baseline_is_asked_for_one(rubrics: RubricSet) -> None:
    notes = "Result: p99 fell to 320ms."
    checks = dict.fromkeys(CHECKS, True) | {MetricCheck.BASELINE: False}
    metric = _metric(notes, "320ms", subject="p99", **checks)
    quant = _quant()._replace(passing=dict.fromkeys(CHECKS, 1) | {MetricCheck.BASELINE: 0})
    [question] = ask(notes, [], [metric], _state(rubrics, quant=quant), rubrics)
    assert question.slot.startswith("metric.baseline")
    assert "p99" in question.question
    assert question.about is not None and question.about.text == "320ms"


def test_a_metric_is_asked_at_most_two_checks_at_once(rubrics: RubricSet) -> None:
    notes = "Result: p99 fell to 320ms."
    metric = _metric(notes, "320ms", subject="p99")
    [question] = ask(notes, [], [metric], _state(rubrics, quant=_quant(passing=0)), rubrics)
    asked = question.slot.removeprefix("metric.").split("@")[0].split("+")
    assert len(asked) == 2 and set(asked) <= {c.value for c in CHECKS}
    assert question.question.count("?") == 1  # one sentence, not two questions run together


def test_a_question_about_two_checks_is_worth_both_answers(rubrics: RubricSet) -> None:
    notes = "Result: p99 fell to 320ms."
    state = _state(rubrics, quant=_quant(passing=0))

    def asked(missing: set[MetricCheck]) -> Question:
        checks = {c: c not in missing for c in CHECKS}
        [question] = ask(
            notes, [], [_metric(notes, "320ms", subject="p99", **checks)], state, rubrics
        )
        return question

    both = asked({MetricCheck.BASELINE, MetricCheck.METHOD})
    assert both.slot.startswith("metric.baseline+method")
    alone = asked({MetricCheck.BASELINE}).gain + asked({MetricCheck.METHOD}).gain
    assert both.gain == pytest.approx(alone, abs=0.1)


@pytest.mark.parametrize(
    ("subject", "verb"), [("Costs", "were costs"), ("NPS", "was NPS"), ("p99", "was p99")]
)
def test_the_baseline_question_agrees_with_its_subject(
    subject: str, verb: str, rubrics: RubricSet
) -> None:
    notes = f"Result: {subject} fell to 320."
    checks = dict.fromkeys(CHECKS, True) | {MetricCheck.BASELINE: False}
    metric = _metric(notes, "320", subject=subject, kind=MetricKind.MONEY, **checks)
    quant = _quant()._replace(passing=dict.fromkeys(CHECKS, 1) | {MetricCheck.BASELINE: 0})
    [question] = ask(notes, [], [metric], _state(rubrics, quant=quant), rubrics)
    assert verb in question.question


def test_a_count_delivered_is_not_asked_for_a_baseline(rubrics: RubricSet) -> None:
    notes = "Result: we migrated 40 services."
    metric = _metric(notes, "40 services", subject="services", kind=MetricKind.COUNT)
    questions = ask(notes, [], [metric], _state(rubrics, quant=_quant(passing=0)), rubrics)
    assert questions and not any("baseline" in q.slot for q in questions)


def test_a_bare_number_with_nothing_to_name_it_is_not_asked_about(rubrics: RubricSet) -> None:
    notes = "Result: handled 5 solo."
    metric = _metric(notes, "5", kind=MetricKind.NUMBER)
    assert ask(notes, [], [metric], _state(rubrics, quant=_quant(passing=0)), rubrics) == []


def test_results_in_one_family_are_asked_for_the_business_side(rubrics: RubricSet) -> None:
    technical = _state(rubrics, quant=_quant(families=frozenset({"technical"})))
    slots = _slots(ask("320ms", [], [_metric_all_checked()], technical, rubrics))
    assert slots == ["metric.breadth"]


def test_a_dimension_below_target_is_asked_its_target_question(rubrics: RubricSet) -> None:
    state = _state(rubrics, levels={"scope": Level.L6}, target=Level.L7)
    [question] = ask("", [], [_metric_all_checked()], state, rubrics)
    scope = rubrics.level.dimensions["scope"]
    assert question.slot == "level.scope"
    assert question.question == scope.question[Level.L7]
    assert question.section is scope.section[Level.L7]


def test_an_anti_signal_is_quoted_back(rubrics: RubricSet) -> None:
    notes = "I managed a team of 40 engineers."
    boast = Excerpt.of(notes, notes.index("a team"), notes.index("."))
    # At target the anti-signal costs no level fit: its answer is worth the section it lands in.
    lands_in = rubrics.level.dimensions["scope"].section[Level.L6]
    state = _state(rubrics, anti={"scope": boast}, present=ALL_SECTIONS - {lands_in})
    [question] = [q for q in ask(notes, [], [_metric_all_checked()], state, rubrics) if q.about]
    assert question.slot == "level.scope.anti"
    assert boast.text in question.question
    assert question.about == boast

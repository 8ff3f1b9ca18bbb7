"""Metrics and their checks, the quantification score, and figures too precise to believe."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from coach.judgement.answers import Answer, attach, metric_slot
from coach.judgement.offline import prepare_notes
from coach.judgement.quantification import (
    CHECKS,
    QuantCues,
    QuantFeatures,
    build_metrics,
    quant_features,
    quant_points,
    quant_score,
    significant_digits,
    suspicious_precision,
)
from coach.judgement.rubrics import RubricSet
from coach.judgement.rubrics.quantification import QuantificationRubric
from coach.models import Excerpt, Metric, MetricCheck, MetricKind, Section


def _measured(
    notes: str, rubrics: RubricSet, answers: Sequence[Answer] = ()
) -> tuple[list[Metric], QuantFeatures]:
    """The metrics and score features of notes (and answers) placed as the offline engine
    places them."""
    prepared = prepare_notes(notes, rubrics, answers)
    placed = prepared.restructured.analysis.units
    cues = QuantCues(prepared.restructured.analysis.inside, placed)
    rubric = rubrics.quantification
    attached = attach(prepared.material, placed)
    metrics = build_metrics(prepared.clean, placed, cues, rubric, attached)
    return metrics, quant_features(prepared.clean, placed, metrics, cues, rubric, attached)


def _results(notes: str, rubrics: RubricSet) -> list[Metric]:
    return [m for m in _measured(notes, rubrics)[0] if m.is_result]


def _features(
    *,
    units: int = 4,
    with_figures: int = 4,
    eligible: int = 2,
    passing: int = 2,
    stated_once: Excerpt | None = None,
    families: frozenset[str] = frozenset({"business", "technical"}),
) -> QuantFeatures:
    return QuantFeatures(
        result_units=units,
        result_units_with_figures=with_figures,
        result_metrics=eligible,
        eligible=dict.fromkeys(CHECKS, eligible),
        passing=dict.fromkeys(CHECKS, passing),
        story_level=dict.fromkeys(CHECKS, stated_once),
        families=families,
    )


def _points(features: QuantFeatures, rubric: QuantificationRubric) -> dict[str, float]:
    """Each rubric line's points, by name."""
    return {c.name: c.points for c in quant_score(features, rubric).components}


def _weight(rubric: QuantificationRubric, name: str) -> float:
    return rubric.score.component(name).weight


# --- metrics ---------------------------------------------------------------------------------


def test_a_before_and_after_change_is_one_metric_with_its_baseline(rubrics: RubricSet) -> None:
    [metric] = _results("Result: p99 dropped from 850ms to 320ms.", rubrics)
    assert metric.text == "from 850ms to 320ms"
    assert metric.before is not None and metric.before.text == "850ms"
    assert metric.after is not None and metric.after.text == "320ms"
    assert metric.baseline and metric.check_evidence[MetricCheck.BASELINE].text == metric.text


def test_a_situation_figure_is_the_baseline_of_a_later_result_of_its_measure(
    rubrics: RubricSet,
) -> None:
    notes = "Situation: p99 was 850ms at peak.\nResult: p99 dropped to 320ms."
    [metric] = _results(notes, rubrics)
    assert metric.baseline
    assert "850ms" in metric.check_evidence[MetricCheck.BASELINE].text


@pytest.mark.parametrize(
    "context",
    [
        "Task: get p99 under 500ms.",  # the task's figures are targets
        "Situation: the business required p99 under 300ms.",  # a goal, stated in the situation
        "Situation: costs were $10k a month.",  # another kind of measure
        "Situation: p50 was 400ms at peak.",  # another subject measured in time
    ],
)
def test_a_context_figure_that_is_no_baseline_is_not_taken_for_one(
    context: str, rubrics: RubricSet
) -> None:
    [metric] = _results(f"{context}\nResult: p99 dropped to 320ms.", rubrics)
    assert not metric.baseline


def test_only_figures_in_result_sections_are_results(rubrics: RubricSet) -> None:
    notes = "Action: I load tested at 3x peak.\nResult: p99 dropped to 320ms."
    metrics, _ = _measured(notes, rubrics)
    assert {m.text: m.is_result for m in metrics} == {"3x": False, "320ms": True}


def test_a_duration_that_is_a_figures_period_is_no_metric(rubrics: RubricSet) -> None:
    [metric] = _results("Result: p99 fell to 320ms over the next 2 weeks.", rubrics)
    assert metric.text == "320ms" and metric.time_window


def test_a_lone_duration_is_the_outcome(rubrics: RubricSet) -> None:
    [metric] = _results("Result: I patched it within 36 hours.", rubrics)
    assert metric.text == "36 hours"


def test_a_period_in_parentheses_is_the_metrics_time_window(rubrics: RubricSet) -> None:
    [metric] = _results("Result: crash rate fell to 0.4% (Crashlytics, 30 days).", rubrics)
    assert metric.text == "0.4%"  # the period is no metric of its own (this holds)
    assert metric.time_window


def test_every_metric_and_its_evidence_quote_the_notes(rubrics: RubricSet) -> None:
    notes = (
        "Situation: p99 was 850ms at peak.\nAction: I moved the check to a queue.\n"
        "Result: p99 dropped from 850ms to 320ms over two weeks, measured on our Grafana "
        "dashboard, and costs fell 12%."
    )
    metrics, _ = _measured(notes, rubrics)
    spans = [(m.text, m.start, m.end) for m in metrics]
    spans += [(e.text, e.start, e.end) for m in metrics for e in m.check_evidence.values()]
    assert len(spans) >= 6
    for text, start, end in spans:
        assert notes[start:end] == text
    for metric in metrics:
        assert {c for c in CHECKS if getattr(metric, c)} == set(metric.check_evidence)


def _asked_how_measured(reply: str, rubrics: RubricSet) -> Metric:
    """The metric of a one-figure story whose method question got `reply`."""
    notes = "Result: the nightly job fell to 40 minutes."
    slot = metric_slot([MetricCheck.METHOD], notes.index("40 minutes"))
    answer = Answer(slot, reply, Section.RESULT, "How was 40 minutes measured?")
    [metric] = _measured(notes, rubrics, [answer])[0]
    return metric


def test_an_answer_naming_where_a_figure_was_read_meets_the_method_check(
    rubrics: RubricSet,
) -> None:
    metric = _asked_how_measured("It was the job's duration in Airflow.", rubrics)
    assert metric.method
    assert "Airflow" in metric.check_evidence[MetricCheck.METHOD].text


@pytest.mark.parametrize(
    "reply",
    [
        "I looked in January.",
        "We checked it in Q3.",
        "We checked it by Friday.",
    ],
)
def test_a_date_in_an_answer_is_no_source_of_measurement(reply: str, rubrics: RubricSet) -> None:
    assert not _asked_how_measured(reply, rubrics).method


# --- score features --------------------------------------------------------------------------


def test_a_count_delivered_is_held_to_no_baseline(rubrics: RubricSet) -> None:
    _, features = _measured("Result: we migrated 40 services.", rubrics)
    assert features.eligible[MetricCheck.BASELINE] == 0
    assert features.eligible[MetricCheck.TIME_WINDOW] == 1  # when it was reached still counts


def test_result_statements_and_their_figures_are_counted(rubrics: RubricSet) -> None:
    notes = (
        "Action: I cut 3 queries.\nResult: p99 dropped to 320ms.\n"
        "Result: the team was happier.\nResult: revenue grew by $2M."
    )
    _, features = _measured(notes, rubrics)
    assert (features.result_units, features.result_units_with_figures) == (3, 2)
    assert features.result_metrics == 2
    assert features.families == {"business", "technical"}


def test_one_more_passing_metric_never_exceeds_the_eligible(rubrics: RubricSet) -> None:
    full = _features(eligible=2, passing=2).with_one_more(MetricCheck.METHOD)
    assert full.passing[MetricCheck.METHOD] == 2
    short = _features(eligible=2, passing=1).with_one_more(MetricCheck.METHOD)
    assert short.passing[MetricCheck.METHOD] == 2
    assert short.passing[MetricCheck.BASELINE] == 1  # the other checks do not move


def test_a_figure_answered_fills_a_statement_or_adds_one(rubrics: RubricSet) -> None:
    features = _features(units=3, with_figures=2)
    filled = features.with_figure_answered(new_statement=False)
    assert (filled.result_units, filled.result_units_with_figures) == (3, 3)
    added = features.with_figure_answered(new_statement=True)
    assert (added.result_units, added.result_units_with_figures) == (4, 3)
    # Every statement already has a figure: filling one more cannot exceed them.
    full = _features(units=3, with_figures=3).with_figure_answered(new_statement=False)
    assert full.result_units_with_figures == 3


# --- the score -------------------------------------------------------------------------------


def test_coverage_at_the_rubrics_saturation_earns_the_whole_line(rubrics: RubricSet) -> None:
    rubric = rubrics.quantification
    saturation = rubric.score.component("coverage").saturation
    units = 10
    at = round(saturation * units)
    assert _points(_features(units=units, with_figures=at), rubric)["coverage"] == _weight(
        rubric, "coverage"
    )
    half = _points(_features(units=units, with_figures=at // 2), rubric)["coverage"]
    assert 0 < half < _weight(rubric, "coverage")


def test_a_check_stated_once_elsewhere_earns_the_story_level_credit(rubrics: RubricSet) -> None:
    rubric = rubrics.quantification
    credit = rubric.score.story_level_credit
    elsewhere = Excerpt(text="measured on Grafana", start=0, end=19)
    unmet = _points(_features(passing=0), rubric)["method"]
    stated = _points(_features(passing=0, stated_once=elsewhere), rubric)["method"]
    assert unmet == 0
    assert stated == pytest.approx(credit * _weight(rubric, "method"), abs=0.01)
    # The credit is a floor: metrics that meet the check earn their own share, never less.
    met = _points(_features(passing=2, stated_once=elsewhere), rubric)["method"]
    assert met == _weight(rubric, "method")


def test_the_story_level_credit_cites_its_words(rubrics: RubricSet) -> None:
    elsewhere = Excerpt(text="measured on Grafana", start=0, end=19)
    score = quant_score(_features(passing=0, stated_once=elsewhere), rubrics.quantification)
    method = next(c for c in score.components if c.name == "method")
    assert elsewhere.text in method.reason


def test_breadth_needs_both_business_and_technical_outcomes(rubrics: RubricSet) -> None:
    rubric = rubrics.quantification
    both = _points(_features(), rubric)["breadth"]
    one = _points(_features(families=frozenset({"technical"})), rubric)["breadth"]
    assert both == _weight(rubric, "breadth") and 0 < one < both


def test_a_story_with_no_result_statements_scores_zero(rubrics: RubricSet) -> None:
    empty = _features(units=0, with_figures=0, eligible=0, passing=0, families=frozenset())
    assert quant_score(empty, rubrics.quantification).value == 0
    assert quant_points(empty, rubrics.quantification) == 0


@pytest.mark.parametrize(
    "features",
    [
        _features(),
        _features(units=7, with_figures=2, eligible=3, passing=1),
        _features(passing=0, families=frozenset({"business"})),
    ],
)
def test_the_points_questions_compare_are_the_score_shown(
    features: QuantFeatures, rubrics: RubricSet
) -> None:
    rubric = rubrics.quantification
    assert quant_score(features, rubric).value == round(quant_points(features, rubric))
    # Pricing one rubric line alone is exact: the lines add up to the whole.
    lines = sum(quant_points(features, rubric, only=c.name) for c in rubric.score.components)
    assert lines == pytest.approx(quant_points(features, rubric))


# --- suspicious precision --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "digits"),
    [("13.4721", 6), ("0.0004", 1), ("2,300.5", 5), ("1.50", 3), ("850", 3)],
)
def test_significant_digits_count_as_written(number: str, digits: int) -> None:
    assert significant_digits(number) == digits


def _figure(text: str) -> Metric:
    return Metric(text=text, start=10, end=10 + len(text), kind=MetricKind.PERCENT)


def test_figures_precise_beyond_the_rubrics_limit_are_flagged(rubrics: RubricSet) -> None:
    rubric = rubrics.quantification
    limit = rubric.score.suspicious_digits
    at_limit = _figure("1." + "3" * (limit - 1) + "%")
    below = _figure("1." + "3" * (limit - 2) + "%")
    flag = suspicious_precision([below, at_limit], rubric)
    assert flag is not None and flag.code == "suspicious_precision"
    assert flag.evidence == [at_limit.excerpt()]
    assert suspicious_precision([below], rubric) is None


@pytest.mark.parametrize("text", ["99.999%", "99.9999%", "$1,234,567", "0.00001%"])
def test_nines_whole_numbers_and_tiny_fractions_are_not_suspicious(
    text: str, rubrics: RubricSet
) -> None:
    assert suspicious_precision([_figure(text)], rubrics.quantification) is None

"""Metrics and the quantification score, through the module's own steps: figures become metrics
with the metrics guide's checks (baseline, time window, method, ...) and the words behind each."""

from __future__ import annotations

import pytest

from coach.judgement.quantification import (
    QuantCues,
    build_metrics,
    quant_features,
    quant_points,
    quant_score,
    significant_digits,
    suspicious_precision,
)
from coach.judgement.restructurer import restructure
from coach.judgement.rubrics import RubricSet
from coach.models import Metric, MetricCheck, Score


def _read(notes: str, rubrics: RubricSet) -> tuple[list[Metric], Score]:
    analysis = restructure(notes, rubrics).analysis
    cues = QuantCues(analysis.inside, analysis.units)
    rubric = rubrics.quantification
    metrics = build_metrics(notes, analysis.units, cues, rubric)
    features = quant_features(notes, analysis.units, metrics, cues, rubric)
    return metrics, quant_score(features, rubric)


def _metric(metrics: list[Metric], text: str) -> Metric:
    return next(m for m in metrics if text in m.text)


def test_a_before_and_after_is_one_metric_with_its_baseline(rubrics: RubricSet) -> None:
    notes = "I moved the inventory check to a queue.\nResult: p99 went from 850ms to 320ms."
    metrics, _ = _read(notes, rubrics)
    change = _metric(metrics, "320ms")
    assert change.baseline and change.is_result
    assert change.before is not None and change.before.text == "850ms"
    assert change.after is not None and change.after.text == "320ms"


def test_a_lone_figure_has_no_baseline_and_says_so_in_the_score(rubrics: RubricSet) -> None:
    metrics, score = _read("I tuned the pool.\nResult: p99 is now 320ms.", rubrics)
    assert not _metric(metrics, "320ms").baseline
    baseline = next(c for c in score.components if c.name == "baseline")
    assert baseline.points == 0 and baseline.reason.startswith("0 of 1 result metrics")


def test_the_window_and_the_method_are_read_with_the_words_that_show_them(
    rubrics: RubricSet,
) -> None:
    notes = (
        "I moved the inventory check to a queue.\n"
        "Result: p99 fell from 850ms to 320ms over two weeks, measured in Datadog."
    )
    change = _metric(_read(notes, rubrics)[0], "320ms")
    assert change.time_window and change.method
    assert "two weeks" in change.check_evidence[MetricCheck.TIME_WINDOW].text
    assert change.check_evidence[MetricCheck.METHOD].text == "measured in"


def test_checks_met_raise_the_score_and_points_for_one_line_add_up(rubrics: RubricSet) -> None:
    bare = _read("I tuned the pool.\nResult: p99 is now 320ms.", rubrics)[1]
    checked = _read(
        "I tuned the pool.\nResult: p99 fell from 850ms to 320ms over two weeks, measured in "
        "Datadog.",
        rubrics,
    )[1]
    assert checked.value > bare.value
    analysis = restructure("Result: p99 fell from 850ms to 320ms.", rubrics).analysis
    cues = QuantCues(analysis.inside, analysis.units)
    quant = rubrics.quantification
    metrics = build_metrics(analysis.notes, analysis.units, cues, quant)
    features = quant_features(analysis.notes, analysis.units, metrics, cues, quant)
    lines = [line.name for line in quant.score.components]
    assert sum(quant_points(features, quant, only=name) for name in lines) == pytest.approx(
        quant_points(features, quant)
    )


def test_notes_without_figures_score_nothing_for_coverage(rubrics: RubricSet) -> None:
    metrics, score = _read("I led the migration and the team shipped it.", rubrics)
    assert metrics == []
    assert next(c for c in score.components if c.name == "coverage").points == 0


@pytest.mark.parametrize(
    ("number", "digits"), [("13.4721", 6), ("0.0004", 1), ("2,300.5", 5), ("99.9", 3)]
)
def test_significant_digits_as_written(number: str, digits: int) -> None:
    assert significant_digits(number) == digits


def test_invented_looking_precision_is_flagged_but_nines_of_availability_are_not(
    rubrics: RubricSet,
) -> None:
    precise, _ = _read("Result: conversion rose by 13.4721%.", rubrics)
    flag = suspicious_precision(precise, rubrics.quantification)
    assert flag is not None and [e.text for e in flag.evidence] == ["13.4721%"]
    nines, _ = _read("Result: availability reached 99.999%.", rubrics)
    assert suspicious_precision(nines, rubrics.quantification) is None

"""The learned figure tagger: what it reads, how its spans meet the finder's figures."""

from __future__ import annotations

import pytest

from coach.config import PROJECT_ROOT
from coach.judgement.figure_tagger import (
    figure_from_span,
    gold_tags,
    merge,
    stretches,
    tagged_spans,
    tokens_of,
)
from coach.judgement.offline import coach_offline
from coach.judgement.restructurer import analyse
from coach.judgement.rubrics import load_rubrics
from coach.models import Figure, MetricKind


def _figure(notes: str, text: str, kind: MetricKind = MetricKind.COUNT, value: float = 7) -> Figure:
    start = notes.index(text)
    return Figure(text=text, start=start, end=start + len(text), kind=kind, value=value)


def test_lines_without_numbers_are_not_read() -> None:
    notes = "We argued for weeks about it.\nI wrote the design doc."
    read = [t[2] for stretch in stretches(notes) for t in stretch]
    assert "design" not in read and "weeks" in read  # a unit of time is something figures use


def test_a_stretch_stays_near_its_number() -> None:
    filler = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda"
    notes = f"one two {filler} 5 left"
    first, second = ([t[2] for t in stretch] for stretch in stretches(notes))
    assert first[:2] == ["one", "two"] and "kappa" not in first
    assert second[-3:] == ["lambda", "5", "left"] and "delta" not in second


def test_gold_tags_mark_the_labelled_span() -> None:
    notes = "cut it to ~2,000 entries a month"
    start = notes.index("~")
    stretch = tokens_of(notes)
    tagged = gold_tags(stretch, [(start, len(notes))])
    tags = dict(zip((t[2] for t in stretch), tagged, strict=True))
    assert (tags["~"], tags["2,000"], tags["month"], tags["cut"]) == ("B", "I", "I", "O")


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("5", MetricKind.NUMBER, 5.0),
        ("weekly", MetricKind.RATE, 1 / 7),
        ("a full quarter", MetricKind.DURATION, 1.0),
        ("over half", MetricKind.PERCENT, 50.0),
        ("~2,000/mo", MetricKind.RATE, 2000.0),
        ("two other DSs", MetricKind.COUNT, 2.0),
    ],
)
def test_a_span_the_finder_missed_is_parsed(text: str, kind: MetricKind, value: float) -> None:
    figure = figure_from_span(f"it was {text}.", 7, 7 + len(text))
    assert figure is not None
    assert (figure.text, figure.kind, figure.value) == (text, kind, pytest.approx(value))


@pytest.mark.parametrize(
    ("notes", "span"),
    [
        ("I pushed for option three.", "three"),
        ("by the end of year two", "two"),
        ("it's number four on the survey now", "four"),
        ("customers getting 429s below their limit", "429s"),
    ],
)
def test_a_position_or_status_code_the_tagger_marks_is_no_figure(notes: str, span: str) -> None:
    start = notes.index(span)
    assert figure_from_span(notes, start, start + len(span)) is None


def test_a_span_with_no_number_is_no_figure() -> None:
    assert figure_from_span("the team", 0, 8) is None


def test_a_redrawn_span_keeps_what_the_finder_parsed() -> None:
    notes = "one engineer from each of the 7 teams joined"
    finder = [_figure(notes, "7 teams")]
    start = notes.index("7")
    (figure,) = merge(notes, finder, [(start, start + 1)])
    assert (figure.text, figure.kind, figure.value) == ("7", MetricKind.COUNT, 7)


def test_a_span_over_two_figures_keeps_both() -> None:
    notes = "down for 3 hours 40 minutes"
    finder = [_figure(notes, "3 hours", MetricKind.DURATION, 3), _figure(notes, "40 minutes")]
    merged = merge(notes, finder, [(notes.index("3"), len(notes))])
    assert [f.text for f in merged] == ["3 hours", "40 minutes"]


@pytest.mark.parametrize(
    ("notes", "whole", "pieces", "expected"),
    [
        ("a 10 to 12% miss", "10 to 12%", ["10", "12%"], ["10 to 12%"]),
        ("shipped 46 of 51 pages", "46 of 51 pages", ["46", "51 pages"], ["46", "51 pages"]),
    ],
)
def test_a_figure_the_tagger_cuts_in_two_stands_whole_unless_of_joins_it(
    notes: str, whole: str, pieces: list[str], expected: list[str]
) -> None:
    tagged = [(notes.index(p), notes.index(p) + len(p)) for p in pieces]
    merged = merge(notes, [_figure(notes, whole)], tagged)
    assert [f.text for f in merged] == expected


def test_the_tagger_adds_but_never_removes() -> None:
    notes = "handled 5 solo and 9 teams"
    finder = [_figure(notes, "9 teams")]
    merged = merge(notes, finder, [(notes.index("5"), notes.index("5") + 1)])
    assert [f.text for f in merged] == ["5", "9 teams"]


NOTES = (
    "- Migration took a full quarter; I handled 5 of the pages solo and we now release weekly.\n"
    "- Paged 6 times last month, escalated 1."
)


def test_the_shipped_tagger_reads_what_the_finder_leaves() -> None:
    rubrics = load_rubrics(PROJECT_ROOT / "rubrics")
    finder_only = rubrics.model_copy(update={"figure_model": None})
    found = {f.text for m in analyse(NOTES, rubrics).measured for f in m.figures}
    alone = {f.text for m in analyse(NOTES, finder_only).measured for f in m.figures}
    # A cadence the finder reads only in a change. (The bare "1" of "escalated 1" was read too
    # until the corpus's labels were made consistent in stop 15: bare numbers that refer back are
    # an unsettled labelling convention, so the tagger is not held to them.)
    assert "weekly" in found - alone


def test_no_question_quotes_a_number_with_no_phrase() -> None:
    result = coach_offline(NOTES, load_rubrics(PROJECT_ROOT / "rubrics"), max_chars=len(NOTES))
    asked = " ".join(q.question for q in result.questions)
    assert "\u201c5\u201d" not in asked and "\u201c1\u201d" not in asked and " 5 " not in asked


def test_a_tagged_span_stops_at_marks_no_figure_holds() -> None:
    model = load_rubrics(PROJECT_ROOT / "rubrics").figure_model
    assert model is not None
    # A tagger that marks every token it reads inside a figure: the marks alone split its spans.
    # Built anew, not copied: a copy would share the shipped model's cached weight table.
    greedy = type(model).model_validate(
        {**model.model_dump(), "transitions": [[0.0] * 3] * 3, "weights": {"bias": {"I": 1.0}}}
    )
    notes = "precision | 0.81 | 0.94 (n=2,000) [20%]"
    spans = [notes[s:e] for s, e in tagged_spans(notes, [], greedy, frozenset())]
    assert spans == ["precision", "0.81", "0.94", "n=2,000", "20%"]


def test_a_hyphenated_word_is_one_token() -> None:
    notes = "two fleet-wide major version upgrades, 15-year-old"
    assert [t[2] for t in tokens_of(notes)] == [
        "two", "fleet-wide", "major", "version", "upgrades", ",", "15", "-", "year-old",
    ]  # fmt: skip

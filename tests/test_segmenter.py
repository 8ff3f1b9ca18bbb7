"""Splitting notes into lines, sentences and clauses with exact spans."""

from __future__ import annotations

import pytest

from coach.rubrics import RubricSet
from coach.segmenter import count_words, split_lines, split_sentences, split_units


def _units(notes: str, rubrics: RubricSet) -> list[str]:
    boundary = rubrics.star_plus.clause_boundaries
    units = split_units(notes, split_lines(notes), boundary.regex, boundary.min_words)
    for unit in units:
        assert notes[unit.start : unit.end] == unit.text(notes)
    return [u.text(notes) for u in units]


def test_bullets_numbers_and_markup_are_stripped_from_spans(rubrics: RubricSet) -> None:
    notes = "- Cut latency\n* Added cache\n1. Wrote runbook\n  • Trained the team\n## Outcome"
    assert _units(notes, rubrics) == [
        "Cut latency",
        "Added cache",
        "Wrote runbook",
        "Trained the team",
        "Outcome",
    ]


def test_labels_are_read_off_the_line() -> None:
    notes = "**Situation**: the API was slow\nTeam Size: 6 engineers\nResult¶\nplain line"
    lines = split_lines(notes)
    assert [(line.label, notes[line.start : line.end]) for line in lines] == [
        ("Situation", "the API was slow"),
        ("Team Size", "6 engineers"),
        ("Result", ""),
        (None, "plain line"),
    ]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("I cut p99. Then I left.", ["I cut p99.", "Then I left."]),
        ("We used e.g. Redis. It helped.", ["We used e.g. Redis.", "It helped."]),
        ("Costs fell to $2.8M. Nice.", ["Costs fell to $2.8M.", "Nice."]),
        ("Chose Kafka vs. Kinesis for cost.", ["Chose Kafka vs. Kinesis for cost."]),
        (
            "Criteria: - Reduce latency - Keep uptime",
            ["Criteria:", "Reduce latency", "Keep uptime"],
        ),
        ("Found 3 issues: 1. Pool size 2. Locks", ["Found 3 issues:", "Pool size", "Locks"]),
    ],
)
def test_sentences(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in split_sentences(text, 0, len(text))] == sentences


def test_run_on_sentence_splits_into_action_and_result_clauses(rubrics: RubricSet) -> None:
    notes = "I rewrote the cache layer in Go, which cut p99 from 850ms to 300ms."
    assert _units(notes, rubrics) == [
        "I rewrote the cache layer in Go",
        "which cut p99 from 850ms to 300ms.",
    ]


def test_short_clauses_stay_whole(rubrics: RubricSet) -> None:
    assert _units("Fixed it; done.", rubrics) == ["Fixed it; done."]


def test_crlf_and_blank_lines(rubrics: RubricSet) -> None:
    notes = "First line.\r\n\r\nSecond line.\r\n"
    assert _units(notes, rubrics) == ["First line.", "Second line."]


def test_count_words() -> None:
    assert count_words("Cut p99 from 850ms to 620ms, saving $4.2M/yr.") == 9

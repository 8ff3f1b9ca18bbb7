"""Splitting notes into lines, sentences and clauses with exact spans."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coach.config import PROJECT_ROOT
from coach.judgement.rubrics import RubricSet, load_rubrics
from coach.judgement.segmenter import (
    _is_abbreviation,
    _trim,
    count_words,
    more_words_than,
    split_lines,
    split_sentences,
    split_units,
)
from tests.strategies import joined_pieces


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


# The plain form of the sentence-break pattern: each alternative starts at its own first
# character, the space included. The segmenter's pattern starts every alternative at one shared
# character class instead, for speed; it must find exactly the same breaks.
_PLAIN_BREAK = re.compile(
    r"(?P<end>[.!?][\"')\]]*)\s+(?=[\"'(\[]?[A-Za-z0-9$£€])"
    r"|\s[-•*]\s+(?=[A-Z0-9$])"
    r"|\s\(?\d{1,2}[.)]\s+(?=[A-Z])"
)


def _plain_sentences(notes: str, start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _PLAIN_BREAK.finditer(notes, start, end):
        cut = match.end("end") if match["end"] else match.start()
        if notes[match.start()] == "." and _is_abbreviation(notes, match.start()):
            continue
        spans.append((cursor, cut))
        cursor = match.end()
    spans.append((cursor, end))
    return [trimmed for span in spans if (trimmed := _trim(notes, *span))]


# Few pieces, so that hypothesis meets their combinations often: ends, inline bullets and numbers,
# an abbreviation, a closing quote, a no-break space and an Arabic-Indic digit (\s and \d too).
_PIECES = [". ", "! ", "1. ", "(2) ", " - ", "• ", "A", "x", "e.g. ", '"', " ", "\u00a0",
           "\u0663. "]  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(
    joined_pieces(_PIECES),
    st.integers(0, 3),
    st.integers(0, 3),
)
@example("x. 1. Ab", 0, 0)  # the space before "1" was taken by the break before it
def test_sentence_breaks_match_the_plain_pattern(text: str, skip: int, cut: int) -> None:
    start, end = min(skip, len(text)), max(min(skip, len(text)), len(text) - cut)
    assert split_sentences(text, start, end) == _plain_sentences(text, start, end)


_CLAUSE_PIECES = ["; ", " — ", "which", " wh", "ich", "cutting", "Cutting", "İ", "i", " ", ". ",
                  "x"]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    joined_pieces(_CLAUSE_PIECES),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_splittable_agrees_with_looking_in_each_sentence(text: str, start: int, end: int) -> None:
    boundary = load_rubrics(PROJECT_ROOT / "rubrics").star_plus.clause_boundaries
    start, end = sorted((min(start, len(text)), min(end, len(text))))
    lowered = text[start:end].lower()
    expected = any(trigger in lowered for trigger in boundary.triggers)
    assert boundary.splittable(text)(start, end) is expected


@given(st.text(alphabet="ab1'’$%.- \t—,;é_", max_size=30), st.integers(0, 8))
def test_more_words_than_agrees_with_counting(text: str, limit: int) -> None:
    assert more_words_than(text, limit) is (count_words(text) > limit)

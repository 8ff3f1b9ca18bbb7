"""Spans of the notes placed in STAR+ sections with their figures: what the grader reads."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Final, NamedTuple

from coach.judgement.changes import Change, pair_changes
from coach.judgement.cues import Hit, Tokens
from coach.judgement.figure_tagger import merge, tagged_spans
from coach.judgement.figures import Candidates, find_figures
from coach.judgement.rubrics import CueOwner, ScoringKey
from coach.judgement.rubrics.quantification import QuantificationRubric
from coach.judgement.sequence_model import FigureModel
from coach.models import Figure, Section


class Measured(NamedTuple):
    """The figures of one span of the notes and the before/after changes among them."""

    figures: tuple[Figure, ...]
    changes: tuple[Change, ...]


class PlacedUnit(NamedTuple):
    """A span of the notes, the section it was placed in, and the figures it holds."""

    start: int
    end: int
    sentence: int
    section: Section
    heading: str | None
    measured: Measured
    confidence: float | None = None  # the learned placement's probability of `section`
    answer: int | None = (
        None  # the answer (coach/judgement/answers.py) this span is part of, if any
    )


def measure(
    notes: str,
    start: int,
    end: int,
    rubric: QuantificationRubric,
    candidates: Candidates,
) -> Measured:
    """Find the figures and changes in `notes[start:end]`; `candidates` are the whole notes'."""
    figures = find_figures(
        notes,
        start,
        end,
        count_nouns=rubric.count_noun_set,
        not_figure_after=rubric.not_figure_after_set,
        candidates=candidates,
    )
    return Measured(tuple(figures), tuple(pair_changes(notes, figures)))


_NOTHING: Final = Measured((), ())


def measure_all(
    notes: str,
    spans: Sequence[tuple[int, int]],
    rubric: QuantificationRubric,
    tokens: Tokens,
    figure_model: FigureModel | None = None,
) -> list[Measured]:
    """Measure many spans, looking closely only at those that hold a digit or number word.

    With a learned `figure_model`, its spans redraw and add to the hand-written finder's figures.
    """
    where = SpanIndex(spans)
    candidates = Candidates.find(
        notes, 0, len(notes), zip(tokens.starts, tokens.words, strict=True)
    )
    holding = {where.locate(at) for at in (*candidates.starts, *candidates.ratio_words)}
    measured = [
        measure(notes, start, end, rubric, candidates) if i in holding else _NOTHING
        for i, (start, end) in enumerate(spans)
    ]
    if figure_model is None:
        return measured
    return _as_tagged(notes, measured, where, rubric, figure_model)


def _as_tagged(
    notes: str,
    measured: list[Measured],
    where: SpanIndex,
    rubric: QuantificationRubric,
    model: FigureModel,
) -> list[Measured]:
    """The spans' figures as the learned tagger draws them; changes re-paired where they moved."""
    finder = [figure for found in measured for figure in found.figures]
    tagged = tagged_spans(notes, finder, model, rubric.count_noun_set)
    by_span: dict[int, list[Figure]] = {}
    for figure in merge(notes, finder, tagged):
        # A figure belongs to the unit it starts in, whole, even where the writer's phrase runs
        # past a clause boundary ("cut it to ~2,000 entries, a month").
        index = where.locate(figure.start)
        if index is not None:
            by_span.setdefault(index, []).append(figure)
    result = list(measured)
    for index, figures in by_span.items():
        if tuple(figures) != measured[index].figures:
            result[index] = Measured(tuple(figures), tuple(pair_changes(notes, figures)))
    for index, found in enumerate(measured):
        if found.figures and index not in by_span:
            result[index] = _NOTHING
    return result


OwnedHits = dict[CueOwner, list[tuple[int, Hit[ScoringKey]]]]


def hits_inside(hits: Sequence[Hit[ScoringKey]], spans: Sequence[tuple[int, int]]) -> OwnedHits:
    """The hits that lie wholly inside one of `spans`, grouped by the rubric that owns them,
    each with the index of its span.

    `hits` come in text order (as `CueBook.find` gives them) and `spans` are sorted and do not
    overlap, so one pass over both finds each hit's span.
    """
    found: OwnedHits = {}
    row, rows = 0, len(spans)
    for hit in hits:
        while row < rows and spans[row][1] <= hit.start:
            row += 1
        if row == rows:
            break
        start, end = spans[row]
        if start <= hit.start and hit.end <= end:
            found.setdefault(hit.key.owner, []).append((row, hit))
    return found


class SpanIndex:
    """Find which of a sorted list of non-overlapping spans holds a position."""

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self._starts = [start for start, _ in spans]
        self._ends = [end for _, end in spans]

    def locate(self, position: int) -> int | None:
        """Index of the span holding `position`, or None."""
        index = bisect_right(self._starts, position) - 1
        if index >= 0 and position < self._ends[index]:
            return index
        return None

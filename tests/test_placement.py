"""Which placed span holds each cue hit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from coach.judgement.cues import Hit
from coach.judgement.placement import hits_inside
from coach.judgement.rubrics import CueOwner, ScoringKey


def _hit(owner: CueOwner, start: int, end: int) -> Hit[ScoringKey]:
    return Hit(ScoringKey(owner, "x"), 0, 1.0, start, end)


@st.composite
def spans_and_hits(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[Hit[ScoringKey]]]:
    cuts = sorted(draw(st.sets(st.integers(0, 200), max_size=20)))
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    hits = []
    for _ in range(draw(st.integers(0, 30))):
        start = draw(st.integers(0, 200))
        hits.append(
            _hit(
                draw(st.sampled_from([CueOwner.STAR, CueOwner.LEVEL])),
                start,
                start + draw(st.integers(1, 15)),
            )
        )
    return spans, sorted(hits, key=lambda h: h.start)


@given(spans_and_hits())
def test_each_hit_goes_to_the_span_that_wholly_holds_it(
    case: tuple[list[tuple[int, int]], list[Hit[ScoringKey]]],
) -> None:
    spans, hits = case
    expected: dict[CueOwner, list[tuple[int, Hit[ScoringKey]]]] = {}
    for hit in hits:
        for row, (start, end) in enumerate(spans):
            if start <= hit.start and hit.end <= end:
                expected.setdefault(hit.key.owner, []).append((row, hit))
    assert hits_inside(hits, spans) == expected


def test_a_hit_across_two_spans_belongs_to_neither() -> None:
    hits = [_hit(CueOwner.STAR, 0, 3), _hit(CueOwner.LEVEL, 4, 12), _hit(CueOwner.QUANT, 12, 14)]
    assert hits_inside(hits, [(0, 10), (10, 20)]) == {
        CueOwner.STAR: [(0, hits[0])],
        CueOwner.QUANT: [(1, hits[2])],
    }

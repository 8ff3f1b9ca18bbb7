"""The notes read once, as grading needs them: the one record placement hands to the grader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from coach.judgement.answers import Material
from coach.judgement.cues import Hit, Tokens
from coach.judgement.placement import OwnedHits, PlacedUnit, hits_inside
from coach.judgement.rubrics import ScoringKey


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the restructurer read of the notes, for the grader: the notes (injections blanked,
    answers after them), every unit placed, their words, and every scoring cue found in one walk,
    with those inside the units kept apart so nothing is looked for twice."""

    notes: str
    units: list[PlacedUnit]
    tokens: Tokens
    hits: list[Hit[ScoringKey]]
    inside: OwnedHits  # `hits_inside(hits, units)`: the cues the grader reads
    answers: Material | None = None

    def placed_as(self, units: Sequence[PlacedUnit]) -> Analysis:
        """The same reading with the units placed otherwise (a model's placement): the cues
        inside them depend on their spans alone, which may differ."""
        spans = [(unit.start, unit.end) for unit in units]
        return replace(self, units=list(units), inside=hits_inside(self.hits, spans))

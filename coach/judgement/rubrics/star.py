"""The STAR+ structure rubric: recognising each section, the sequence weights, clause
boundaries, and the structure score's lines."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from functools import cached_property

from pydantic import Field, model_validator

from coach.judgement.rubrics.common import CueGroup, Strict, TriggeredPatterns, Versioned
from coach.models import PsiSection, Section


class Position(Strict):
    """Where in the notes a section usually sits (0 start, 1 end)."""

    mean: float = Field(ge=0, le=1)
    spread: float = Field(gt=0)
    weight: float = Field(default=1.0, ge=0, description="How much position alone suggests it.")


class SectionRubric(Strict):
    """How to recognise one STAR+ section and what to ask when it is missing."""

    describe: str
    headings: list[str] = Field(min_length=1)
    position: Position
    cues: list[CueGroup] = Field(min_length=1)
    question: str
    placeholder: str


class SequenceRubric(Strict):
    """Weights of the sentence-to-section labelling."""

    position_weight: float = Field(ge=0)
    backward_penalty: float = Field(ge=0)
    skip_penalty: float = Field(ge=0)
    heading_bonus: float = Field(ge=0)
    figure_result_weight: float = Field(ge=0)
    change_result_weight: float = Field(ge=0)


class ClauseBoundaries(TriggeredPatterns):
    """Where run-on sentences split into clauses."""

    min_words: int = Field(ge=1)

    def splittable(self, notes: str) -> Callable[[int, int], bool]:
        """Whether the sentence at [start, end) of `notes` could hold a boundary at all.

        The triggers are looked for once in the whole notes, not once per sentence.
        """
        lowered = notes.lower()
        if len(lowered) != len(notes):  # "İ" lower-cases to two characters: positions would drift
            return lambda start, end: self.may_match(notes[start:end].lower())
        found: list[tuple[int, int]] = []
        for trigger in self.triggers:
            at = lowered.find(trigger)
            while at >= 0:
                found.append((at, at + len(trigger)))
                at = lowered.find(trigger, at + 1)
        found.sort()

        def may_split(start: int, end: int) -> bool:
            index = bisect_left(found, (start, -1))
            while index < len(found) and found[index][0] < end:
                if found[index][1] <= end:
                    return True
                index += 1
            return False

        return may_split


class WeightedRubricLine(Strict):
    """A score component: its weight and the rubric line it stands for."""

    weight: float = Field(ge=0)
    rubric: str


class CompletenessRubric(WeightedRubricLine):
    """Points for each STAR+ section present."""

    section_weights: dict[Section, float]


class BalanceRubric(WeightedRubricLine):
    """The share of core words each STAR section should hold."""

    ranges: dict[Section, tuple[float, float]]


class LengthRubric(WeightedRubricLine):
    """Spoken length against the 2-3 minute answer."""

    words_per_minute: int = Field(gt=0)
    ideal_seconds: tuple[int, int]
    zero_below_seconds: int = Field(ge=0)
    zero_above_seconds: int = Field(gt=0)


class StructureScoreRubric(Strict):
    """How the structure score is made."""

    rubric: str
    completeness: CompletenessRubric
    balance: BalanceRubric
    length: LengthRubric

    @cached_property
    def total_weight(self) -> float:
        """Sum of the three components' weights (never zero)."""
        return (self.completeness.weight + self.balance.weight + self.length.weight) or 1.0


class PsiRubric(Strict):
    """How STAR+ sections fold into Problem-Solution-Impact, and its 25/50/25 balance."""

    rubric: str
    mapping: dict[PsiSection, list[Section]]
    target_shares: dict[PsiSection, float]
    tolerance: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _every_section_mapped_once(self) -> PsiRubric:
        mapped = [s for sections in self.mapping.values() for s in sections]
        if sorted(mapped) != sorted(Section):
            raise ValueError("psi.mapping must place every STAR+ section exactly once")
        return self


class StarPlusRubric(Versioned):
    """STAR+ sections, their cues, and the structure score."""

    sections: dict[Section, SectionRubric]
    header_facts: dict[str, list[str]]
    sequence: SequenceRubric
    clause_boundaries: ClauseBoundaries
    score: StructureScoreRubric
    psi: PsiRubric

    @model_validator(mode="after")
    def _all_sections(self) -> StarPlusRubric:
        missing = set(Section) - set(self.sections)
        if missing:
            raise ValueError(f"sections missing: {', '.join(sorted(missing))}")
        return self

    @cached_property
    def heading_index(self) -> dict[str, Section]:
        """Normalised heading text -> the section it opens."""
        return {
            normalise_heading(h): section
            for section, rubric in self.sections.items()
            for h in rubric.headings
        }

    @cached_property
    def cue_entries(self) -> list[tuple[Section, float, list[str]]]:
        """Every section's cue groups as (section, weight, phrases)."""
        return [
            (section, group.weight, group.phrases)
            for section, rubric in self.sections.items()
            for group in rubric.cues
        ]

    @cached_property
    def header_fact_index(self) -> dict[str, str]:
        """Normalised label -> header fact name (duration, role, team_size, technologies)."""
        return {
            normalise_heading(label): fact
            for fact, labels in self.header_facts.items()
            for label in labels
        }


def normalise_heading(text: str) -> str:
    """Lower-case a heading and drop everything but letters and single spaces."""
    return " ".join(re.sub(r"[^a-z]+", " ", text.lower()).split())

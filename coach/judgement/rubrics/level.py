"""The level rubric (dimension cues per level, anti-cues, the personal role) and the reach
rubric (reach read as quantities)."""

from __future__ import annotations

import re
from functools import cached_property

from pydantic import Field, field_validator

from coach.judgement.rubrics.common import CueGroup, Strict, Versioned, alternation, check_patterns
from coach.models import Level, Section


class LevelCues(Strict):
    """Cues for one level of one dimension."""

    descriptor: str
    min_weight: float = Field(gt=0)
    metric_weight: float = Field(default=0, ge=0)
    cues: list[CueGroup]


class AntiCues(Strict):
    """Anti-signals of one dimension."""

    descriptor: str
    cues: list[CueGroup]


class DimensionRubric(Strict):
    """One dimension of the L6-versus-L7 signal table."""

    weight: float = Field(gt=0)
    describe: str
    L6: LevelCues
    L7: LevelCues
    anti: AntiCues | None = None
    advice: dict[Level, str]
    question: dict[Level, str]
    section: dict[Level, Section] = Field(
        description="Where an answer to the question belongs in the story, by level asked."
    )


class PersonalRole(Strict):
    """The "I" versus "we" check."""

    min_i_share: float = Field(ge=0, le=1)
    message: str
    advice: str = Field(description="What would lift the story, shown first under 'to target'.")


class LevelRubric(Versioned):
    """The L6-versus-L7 signal rubric."""

    levels: dict[Level, str]
    points: dict[Level, float]
    min_dimensions: dict[Level, int]
    dimensions: dict[str, DimensionRubric] = Field(min_length=1)
    personal_role: PersonalRole

    @cached_property
    def cue_entries(self) -> list[tuple[tuple[str, str], float, list[str]]]:
        """Every dimension's cue groups, keyed (dimension, "L6"|"L7"|"anti")."""
        entries: list[tuple[tuple[str, str], float, list[str]]] = []
        for name, dimension in self.dimensions.items():
            for kind, groups in (
                ("L6", dimension.L6.cues),
                ("L7", dimension.L7.cues),
                ("anti", dimension.anti.cues if dimension.anti else []),
            ):
                entries += [((name, kind), group.weight, group.phrases) for group in groups]
        return entries


class ReachRubric(Versioned):
    """Which counted nouns measure reach, and how long a duration unit is in months."""

    group_nouns: list[str] = Field(min_length=1)
    customer_nouns: list[str] = Field(min_length=1)
    months_per_unit: dict[str, float] = Field(min_length=1)
    stakeholders: dict[int, list[str]] = Field(min_length=1)
    adoption: list[str] = Field(min_length=1)
    grown: list[str] = Field(min_length=1)

    _validate_adoption = field_validator("adoption", "grown")(check_patterns)

    @cached_property
    def stakeholder_patterns(self) -> list[tuple[int, re.Pattern[str]]]:
        """Each rank's titles as one pattern, most senior first."""
        return [
            (rank, re.compile(alternation(self.stakeholders[rank])))
            for rank in sorted(self.stakeholders, reverse=True)
        ]

    @cached_property
    def adoption_pattern(self) -> re.Pattern[str]:
        """Phrases that say the work was taken up beyond the author's team."""
        return re.compile(alternation(self.adoption))

    @cached_property
    def grown_pattern(self) -> re.Pattern[str]:
        """Phrases that say people grew into a more senior role."""
        return re.compile(alternation(self.grown))

    @cached_property
    def group_noun_set(self) -> frozenset[str]:
        """Nouns that count teams, orgs and business lines."""
        return frozenset(self.group_nouns)

    @cached_property
    def customer_noun_set(self) -> frozenset[str]:
        """Nouns that count customers and users."""
        return frozenset(self.customer_nouns)

"""What the story bank hands back: frozen pydantic records, never ORM objects."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from coach.models import CoachResult, Engine, Framework, HeaderFacts, Level, Section

# The case study's header facts, in the seed's order.
HEADER_FACTS: tuple[str, ...] = tuple(HeaderFacts.model_fields)
MAX_FACT_CHARS = 200
# The levels a story can target.
TARGETS: tuple[Level, ...] = (Level.L6, Level.L7)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Answer(_Record):
    """A follow-up question, the user's answer to it, and the slot and section it fills."""

    question: str
    answer: str
    slot: str
    section: Section | None = None  # None in versions saved before answers were pinned


class StorySummary(_Record):
    """A story as the story list shows it."""

    id: int
    title: str
    tags: tuple[str, ...] = Field(description="Leadership Principles, in their canonical order.")
    target: Level
    framework: Framework
    version_count: int
    latest_overall: int | None = Field(description="Overall score of the latest version.")
    latest_level: Level | None = Field(description="Level the latest version reads as.")
    created_at: datetime
    updated_at: datetime


class VersionSummary(_Record):
    """A coached version's scores, for the history list and the charts."""

    story_id: int
    number: int
    engine: Engine
    overall: int
    quantification: int
    structure: int
    level_fit: int
    level: Level
    created_at: datetime


class VersionRecord(VersionSummary):
    """A coached version in full: the notes coached, the answers folded in, and the result."""

    notes: str
    answers: tuple[Answer, ...]
    result: CoachResult


class StoryDetail(StorySummary):
    """A story opened for editing: its draft, header facts and versions, oldest first."""

    draft: str
    versions: tuple[VersionSummary, ...]
    header: dict[str, str] = Field(
        default_factory=dict, description="Header facts the user filled in: name -> text."
    )


class CoveredStory(_Record):
    """A story tagged with a principle, with its best version's overall score and level."""

    story_id: int
    title: str
    overall: int | None = Field(description="Best overall score of any version; None if uncoached.")
    level: Level | None = Field(description="Level the best version reads as.")
    strong: bool


class PrincipleCoverage(_Record):
    """The stories that cover one Leadership Principle, best first."""

    principle: str
    stories: tuple[CoveredStory, ...]
    strong: bool = Field(description="Whether any tagged story scores at least the threshold.")

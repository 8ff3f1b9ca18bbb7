"""What the model must answer: typed, with bounded strings and lists so a run cannot run away."""

from __future__ import annotations

from typing import Any, Literal

from annotated_types import MaxLen
from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.models import Section


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _cut_overlong_strings(cls, data: Any) -> Any:
        """A string past its bound is cut to it, not refused: strict structured output drops
        `maxLength` from the schema, so the model reads the bound only in the description, and
        a dimension name one word too long should not fail a whole step."""
        if not isinstance(data, dict):
            return data
        cut = dict(data)
        for name, field in cls.model_fields.items():
            value = cut.get(name)
            limit = next((m.max_length for m in field.metadata if isinstance(m, MaxLen)), None)
            if isinstance(value, str) and limit is not None and len(value) > limit:
                cut[name] = value[:limit]
        return cut


class DraftSentence(_Answer):
    """One sentence of the story and the numbered units of the notes it rests on."""

    text: str = Field(
        max_length=600, description="The sentence, first person, the engineer's voice."
    )
    units: list[int] = Field(
        default_factory=list,
        max_length=6,
        description="The numbers of the notes' units this sentence rests on (the n of [n]).",
    )


class DraftGap(_Answer):
    """A fact the story needs and the notes do not give."""

    section: Section
    question: str = Field(max_length=300)


class DraftStory(_Answer):
    """A STAR+ story built from the notes."""

    situation: list[DraftSentence] = Field(default_factory=list, max_length=8)
    task: list[DraftSentence] = Field(default_factory=list, max_length=6)
    action: list[DraftSentence] = Field(default_factory=list, max_length=14)
    result: list[DraftSentence] = Field(default_factory=list, max_length=10)
    leadership_impact: list[DraftSentence] = Field(default_factory=list, max_length=6)
    tradeoffs: list[DraftSentence] = Field(default_factory=list, max_length=6)
    lessons: list[DraftSentence] = Field(default_factory=list, max_length=6)
    future_applications: list[DraftSentence] = Field(default_factory=list, max_length=4)
    gaps: list[DraftGap] = Field(default_factory=list, max_length=10)

    def sentences(self) -> list[tuple[Section, DraftSentence]]:
        """Every sentence with its section, in STAR+ order."""
        return [(s, sentence) for s in Section for sentence in getattr(self, s.value)]


JudgedLevel = Literal["L5", "L6", "L7", "unclear"]


class SignalVerdict(_Answer):
    """What one rubric dimension shows, with the words that show it."""

    dimension: str = Field(max_length=40)
    level: Literal["L5", "L6", "L7"]
    quote: str = Field(max_length=400, description="Exact words of the notes showing the signal.")


class JudgeVerdict(_Answer):
    """The judge's reading of the story against the L6/L7 rubric."""

    level: JudgedLevel
    signals: list[SignalVerdict] = Field(default_factory=list, max_length=10)
    to_target: list[str] = Field(default_factory=list, max_length=5)


class CoachQuestion(_Answer):
    """A follow-up question for one slot the grader found open."""

    slot: str = Field(max_length=80)
    question: str = Field(max_length=300)


class CoachingAdvice(_Answer):
    """Specific suggestions and reworded questions."""

    questions: list[CoachQuestion] = Field(default_factory=list, max_length=10)
    suggestions: list[str] = Field(default_factory=list, max_length=4)

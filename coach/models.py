"""Domain types: stories with provenance, metrics, scores, level readings, flags, questions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(StrEnum):
    """A STAR+ section, named as the JSON contract names it."""

    SITUATION = "situation"
    TASK = "task"
    ACTION = "action"
    RESULT = "result"
    LEADERSHIP_IMPACT = "leadership_impact"
    TRADEOFFS = "tradeoffs"
    LESSONS = "lessons"
    FUTURE_APPLICATIONS = "future_applications"


SECTION_TITLES: dict[Section, str] = {
    Section.SITUATION: "Situation",
    Section.TASK: "Task",
    Section.ACTION: "Action",
    Section.RESULT: "Result",
    Section.LEADERSHIP_IMPACT: "Leadership Impact",
    Section.TRADEOFFS: "Trade-off Analysis",
    Section.LESSONS: "Lessons Learned",
    Section.FUTURE_APPLICATIONS: "Future Applications",
}

CORE_SECTIONS: tuple[Section, ...] = (
    Section.SITUATION,
    Section.TASK,
    Section.ACTION,
    Section.RESULT,
)


class PsiSection(StrEnum):
    """A Problem-Solution-Impact section."""

    PROBLEM = "problem"
    SOLUTION = "solution"
    IMPACT = "impact"


PSI_TITLES: dict[PsiSection, str] = {
    PsiSection.PROBLEM: "Problem",
    PsiSection.SOLUTION: "Solution",
    PsiSection.IMPACT: "Impact",
}


class Framework(StrEnum):
    """The shape the story is told in."""

    STAR = "star"
    PSI = "psi"


class Level(StrEnum):
    """An Amazon engineering level a story can read as."""

    L5 = "L5"
    L6 = "L6"
    L7 = "L7"

    @property
    def rank(self) -> int:
        """Order of the level: L5 is 0, L7 is 2."""
        return LEVEL_ORDER.index(self)


LEVEL_ORDER: tuple[Level, ...] = (Level.L5, Level.L6, Level.L7)


class Engine(StrEnum):
    """What produced the story."""

    OFFLINE = "offline"
    LLM = "llm"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Excerpt(_Frozen):
    """Verbatim words of the notes and where they stand: `notes[start:end] == text`."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @classmethod
    def of(cls, notes: str, start: int, end: int) -> Excerpt:
        """The excerpt of `notes` at [start, end)."""
        return cls(text=notes[start:end], start=start, end=end)


class StoryElement(_Frozen):
    """One sentence or clause of the story with the span of the notes it came from."""

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    verbatim: bool = True
    heading: str | None = Field(
        default=None, description="The notes' own heading this element stood under, if any."
    )
    sources: list[Excerpt] = Field(
        default_factory=list, description="The words of the notes a rewritten element rests on."
    )
    confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="The learned placement's probability that this section is right.",
    )
    source: Literal["notes", "answer"] = Field(
        default="notes",
        description='"answer": the user\'s answer to a question, placed where the question '
        "said; its `sources` are spans of that answer's text.",
    )
    answer: int | None = Field(
        default=None, ge=0, description='With source "answer": its index in the run\'s answers.'
    )


class Placeholder(_Frozen):
    """A marked gap in the story, tied to the question that would fill it."""

    section: Section
    slot: str
    text: str


class HeaderFacts(_Frozen):
    """The facts a case study opens with, each kept with its provenance."""

    duration: Excerpt | None = None
    role: Excerpt | None = None
    team_size: Excerpt | None = None
    technologies: Excerpt | None = None

    def facts(self) -> dict[str, Excerpt | None]:
        """Fact name -> its excerpt, in the seed's order."""
        return {
            "duration": self.duration,
            "role": self.role,
            "team_size": self.team_size,
            "technologies": self.technologies,
        }


class StarStory(_Frozen):
    """A STAR+ story: every element is the user's words with their span."""

    title: Excerpt | None = None
    header: HeaderFacts = HeaderFacts()
    sections: dict[Section, list[StoryElement]]
    placeholders: list[Placeholder] = []

    def elements(self, section: Section) -> list[StoryElement]:
        """Elements placed in one section, in the order of the notes."""
        return self.sections.get(section, [])


class PsiStory(_Frozen):
    """The same story in Problem-Solution-Impact form, with its balance."""

    sections: dict[PsiSection, list[StoryElement]]
    shares: dict[PsiSection, float] = Field(description="Share of words per section, 0-1.")
    target_shares: dict[PsiSection, float]


class MetricKind(StrEnum):
    """What a figure measures."""

    PERCENT = "percent"
    MONEY = "money"
    DURATION = "duration"
    LATENCY = "latency"
    PERCENTILE = "percentile"
    RATE = "rate"
    COUNT = "count"
    RATIO = "ratio"
    SCORE = "score"
    NUMBER = "number"


class Figure(_Frozen):
    """One number in the notes with its unit and what it counts."""

    text: str
    start: int
    end: int
    kind: MetricKind
    value: float | None = None
    unit: str | None = None
    noun: str | None = None
    approximate: bool = False

    def excerpt(self) -> Excerpt:
        """The figure's words and span, as evidence."""
        return Excerpt(text=self.text, start=self.start, end=self.end)


class MetricCheck(StrEnum):
    """A quality the seed's quantification guide asks of a result metric."""

    BASELINE = "baseline"
    TIME_WINDOW = "time_window"
    METHOD = "method"
    CONFIDENCE = "confidence"
    ATTRIBUTION = "attribution"


class Metric(Figure):
    """A figure or before/after change, with the guide's checks and the words behind them."""

    before: Excerpt | None = None
    after: Excerpt | None = None
    subject: str | None = Field(default=None, description="What the figure measures, if named.")
    section: Section | None = None
    is_result: bool = False
    baseline: bool = False
    time_window: bool = False
    method: bool = False
    confidence: bool = False
    attribution: bool = False
    check_evidence: dict[MetricCheck, Excerpt] = {}
    answer: int | None = Field(
        default=None,
        ge=0,
        description="The answer (index in the run's answers) this figure was given in, if any.",
    )


class ScoreComponent(_Frozen):
    """One rubric line's contribution to a score."""

    name: str
    points: float
    max_points: float
    rubric: str
    reason: str


class Score(_Frozen):
    """A 0-100 score with the evidence and rubric lines that produced it."""

    name: str
    value: int = Field(ge=0, le=100)
    components: list[ScoreComponent]
    evidence: list[Excerpt] = []

    @classmethod
    def from_components(
        cls, name: str, components: list[ScoreComponent], evidence: list[Excerpt] | None = None
    ) -> Score:
        """Sum the components into a 0-100 score."""
        total = sum(c.max_points for c in components) or 1.0
        value = round(100 * sum(c.points for c in components) / total)
        return cls(name=name, value=value, components=components, evidence=evidence or [])


class Scores(_Frozen):
    """The four scores of a coaching run."""

    overall: Score
    quantification: Score
    structure: Score
    level_fit: Score

    def by_name(self) -> dict[str, Score]:
        """The four scores by field name, in field order (overall first)."""
        return {name: getattr(self, name) for name in type(self).model_fields}


SCORE_TITLES: dict[str, str] = {
    "overall": "Overall",
    "quantification": "Quantification",
    "structure": "Structure",
    "level_fit": "Level fit",
}


class LevelSignal(_Frozen):
    """What one dimension of the level rubric reads, and the words that show it."""

    dimension: str
    level: Level
    points: float
    evidence: list[Excerpt]
    anti_evidence: list[Excerpt] = []
    rubric: str


class Borderline(_Frozen):
    """Two neighbouring levels the reading falls between."""

    levels: tuple[Level, Level]
    label: str = Field(description='How to say it, e.g. "borderline L6/L7".')
    tip: list[str] = Field(
        default_factory=list, description="What would tip the reading to the higher level."
    )


class LevelReading(_Frozen):
    """The level the story shows, against the level it targets."""

    estimate: Level
    target: Level
    points: float = Field(description="Mean dimension points: 0 reads L5, 1 L6, 2 L7.")
    signals: list[LevelSignal]
    to_target: list[str] = Field(description="What would move the story to the target level.")
    probabilities: dict[Level, float] | None = Field(
        default=None, description="The learned reading's probability of each level."
    )
    borderline: Borderline | None = Field(
        default=None, description="Set when the reading is close to a neighbouring level."
    )


class Flag(_Frozen):
    """Something the user should know about the notes or the run."""

    code: str
    message: str
    evidence: list[Excerpt] = []


class Question(_Frozen):
    """A follow-up question aimed at one missing slot, ranked by what answering would add."""

    slot: str
    question: str
    gain: float = Field(description="Overall points the answer could add.")
    section: Section | None = None
    about: Excerpt | None = None


class TokenUsage(_Frozen):
    """Tokens a run spent, and what they cost."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    approximate: bool = Field(
        default=False, description="True when a count came from a tokenizer guess, not the server."
    )
    cost_usd: float = 0.0


class JudgeReport(_Frozen):
    """The model judge's reading; "unclear" whenever its answer could not be trusted."""

    level: Literal["L5", "L6", "L7", "unclear"]
    signals: list[LevelSignal] = []
    to_target: list[str] = []
    note: str | None = None


class LlmReport(_Frozen):
    """What the model did in a run."""

    model: str
    calls: int
    cached_calls: int
    round_trips: int = Field(description="Sequential waits on the model (cached calls excluded).")
    usage: TokenUsage
    judge: JudgeReport
    suggestions: list[str] = []
    removed: list[str] = Field(default_factory=list, description="Claims the guard took out.")
    repaired: bool = False
    sent: str = Field(default="", description="The notes exactly as the model received them.")
    redactions: list[tuple[str, str]] = Field(
        default_factory=list, description="(placeholder, original) for each redacted name."
    )


class AnsweredSlot(_Frozen):
    """An answer the run read, pinned to the slot and section its question named."""

    slot: str
    question: str
    section: Section
    answer: str
    start: int = Field(ge=0, description="Where the answer stands in the text the coach read.")
    end: int = Field(ge=0)


class CoachResult(_Frozen):
    """Everything one coaching run produced."""

    engine: Engine
    framework: Framework
    target: Level
    notes_chars: int
    word_count: int
    spoken_seconds: int
    story: StarStory
    psi: PsiStory | None = None
    metrics: list[Metric]
    scores: Scores
    level: LevelReading
    questions: list[Question]
    flags: list[Flag]
    rubric_versions: dict[str, int]
    llm: LlmReport | None = None
    answers: list[AnsweredSlot] = Field(
        default_factory=list,
        description="Answers read after the notes, each as its own paragraph: spans past the "
        "notes' length are theirs.",
    )


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What the user chose for one run."""

    target: Level = Level.L6
    framework: Framework = Framework.STAR
    engine: Engine | None = None  # None: the model when one is configured, else offline

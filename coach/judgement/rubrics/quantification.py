"""The quantification rubric: the figure cues and checks, the score's components and the
questions asked for a missing check. The names the grader computes are `Literal`s here, so a
misspelt key is refused at load."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator, model_validator

from coach.judgement.rubrics.common import PhraseSet, Strict, Versioned, all_present, check_phrases
from coach.models import MetricCheck, MetricKind, Section

# The names the grader computes: a rubric may weigh them, not invent others ("level_fitt" would
# otherwise load and fail later, mid-grading, as a bare KeyError).
QuantComponentName = Literal[
    "coverage", "baseline", "time_window", "method", "confidence", "attribution", "breadth"
]
QuantQuestionKey = Literal[
    "baseline", "time_window", "method", "confidence", "attribution", "coverage", "breadth",
    "no_metrics",
]  # fmt: skip
ScoreName = Literal["quantification", "structure", "level_fit"]


class QuantComponent(Strict):
    """One part of the quantification score."""

    name: QuantComponentName
    weight: float = Field(ge=0)
    saturation: float = Field(gt=0, le=1)
    rubric: str


class QuantScoreRubric(Strict):
    """How the quantification score is made."""

    rubric: str
    components: list[QuantComponent]
    story_level_credit: float = Field(ge=0, le=1)
    suspicious_digits: int = Field(ge=2)

    @model_validator(mode="after")
    def _each_component_once(self) -> QuantScoreRubric:
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise ValueError(f"components name one twice: {', '.join(names)}")
        all_present(names, QuantComponentName, "components")
        return self

    @cached_property
    def total_weight(self) -> float:
        """Sum of the components' weights (never zero)."""
        return sum(c.weight for c in self.components) or 1.0

    def component(self, name: str) -> QuantComponent:
        """The component called `name`."""
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, QuantComponent]:
        return {c.name: c for c in self.components}


class QuantificationRubric(Versioned):
    """What makes a result metric convincing, per the seed's quantification guide."""

    count_nouns: list[str]
    subjects: list[str]
    not_figure_after: list[str]
    result_sections: list[Section]
    baseline_sections: list[Section] = Field(
        description="Where a figure may be the baseline of a later result figure of its subject."
    )
    targets: list[str] = Field(
        min_length=1, description="Words that make a sentence's figures goals, never baselines."
    )
    exempt_kinds: dict[MetricCheck, list[MetricKind]] = Field(
        description="Kinds of figure a check does not apply to (a count delivered has no before)."
    )
    checks: dict[str, PhraseSet]
    business_families: list[str]
    technical_families: list[str]
    score: QuantScoreRubric
    questions: dict[QuantQuestionKey, str]
    kind_questions: dict[MetricKind, dict[MetricCheck, str]] = Field(
        default_factory=dict, description="A check's question worded for one kind of figure."
    )
    section_questions: dict[Section, dict[QuantQuestionKey, str]] = Field(
        default_factory=dict, description="A question worded for statements of one section."
    )

    @field_validator("questions")
    @classmethod
    def _every_question(cls, questions: dict[str, str]) -> dict[str, str]:
        all_present(list(questions), QuantQuestionKey, "questions")
        return questions

    _validate = field_validator("subjects", "business_families", "technical_families", "targets")(
        check_phrases
    )

    @cached_property
    def cue_entries(self) -> list[tuple[str, float, list[str]]]:
        """Checks, subjects and outcome families as (name, weight, phrases)."""
        entries: list[tuple[str, float, list[str]]] = [
            (name, 1.0, check.phrases) for name, check in self.checks.items()
        ]
        entries += [
            ("subject", 1.0, self.subjects),
            ("target", 1.0, self.targets),
            ("business", 1.0, self.business_families),
            ("technical", 1.0, self.technical_families),
        ]
        return entries

    def question(self, check: MetricCheck, kind: MetricKind) -> str:
        """The question template that asks a figure of this kind for `check`."""
        return self.kind_questions.get(kind, {}).get(check) or self.questions[check.value]

    def section_question(self, name: QuantQuestionKey, section: Section) -> str:
        """The question template `name` for a statement of this section."""
        return self.section_questions.get(section, {}).get(name) or self.questions[name]

    def applies(self, check: MetricCheck, kind: MetricKind) -> bool:
        """Whether `check` asks anything of a figure of this kind."""
        return kind not in self.exempt_kinds.get(check, ())

    @cached_property
    def count_noun_set(self) -> frozenset[str]:
        """Count nouns, lower-cased."""
        return frozenset(n.lower() for n in self.count_nouns)

    @cached_property
    def not_figure_after_set(self) -> frozenset[str]:
        """Words after which a number is a name, lower-cased."""
        return frozenset(w.lower() for w in self.not_figure_after)

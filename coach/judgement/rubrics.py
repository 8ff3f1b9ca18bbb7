"""Rubrics as data: the schema they must match, and the loader that reads them by name."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coach.errors import PhraseError, RubricError
from coach.judgement.caseless import CaselessPattern
from coach.judgement.cues import CueBook, validate_phrases
from coach.judgement.injection_model import InjectionModel
from coach.judgement.level_model import LevelModel
from coach.judgement.sequence_model import FigureModel, PlacementModel
from coach.models import Level, MetricCheck, MetricKind, PsiSection, Section
from coach.versioned import read_versioned, versioned_files

# A key of the combined scoring cues: ("star", Section), ("level", (dimension, kind)) or
# ("quant", check or family name).
ScoringKey = tuple[str, Any]


class _Strict(BaseModel):
    # Unknown keys are typos in a rubric; reject them instead of silently ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))


def _alternation(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


_PATTERN_FLAGS = re.MULTILINE | re.ASCII  # `^` and `$` also match at line ends


def compile_patterns(patterns: list[str]) -> re.Pattern[str]:
    """Join patterns into one case-insensitive alternation; `^` and `$` also match at line ends."""
    return re.compile(_alternation(patterns), _PATTERN_FLAGS | re.IGNORECASE)


def _check_patterns(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad pattern {pattern!r}: {exc}") from exc
    try:
        compile_patterns(patterns)
    except re.error as exc:
        raise ValueError(f"patterns do not combine: {exc}") from exc
    return patterns


def _check_phrases(phrases: list[str]) -> list[str]:
    try:
        validate_phrases(phrases)
    except PhraseError as exc:
        raise ValueError(str(exc)) from exc
    return phrases


class CueGroup(_Strict):
    """Phrases that add `weight` when any of them matches."""

    weight: float = Field(gt=0)
    phrases: list[str] = Field(min_length=1)

    _validate = field_validator("phrases")(_check_phrases)


class PhraseSet(_Strict):
    """Phrases with the rubric line they stand for."""

    rubric: str
    phrases: list[str] = Field(min_length=1)

    _validate = field_validator("phrases")(_check_phrases)


class _Versioned(_Strict):
    id: str
    version: int = Field(ge=1)
    description: str


# --- STAR+ structure ---------------------------------------------------------------------------


class Position(_Strict):
    """Where in the notes a section usually sits (0 start, 1 end)."""

    mean: float = Field(ge=0, le=1)
    spread: float = Field(gt=0)
    weight: float = Field(default=1.0, ge=0, description="How much position alone suggests it.")


class SectionRubric(_Strict):
    """How to recognise one STAR+ section and what to ask when it is missing."""

    describe: str
    headings: list[str] = Field(min_length=1)
    position: Position
    cues: list[CueGroup] = Field(min_length=1)
    question: str
    placeholder: str


class SequenceRubric(_Strict):
    """Weights of the sentence-to-section labelling."""

    position_weight: float = Field(ge=0)
    backward_penalty: float = Field(ge=0)
    skip_penalty: float = Field(ge=0)
    heading_bonus: float = Field(ge=0)
    figure_result_weight: float = Field(ge=0)
    change_result_weight: float = Field(ge=0)


class _TriggeredPatterns(_Strict):
    """Regex patterns guarded by plain-text triggers: most text holds none of the triggers, and
    looking for them is far cheaper than running the regex."""

    triggers: list[str] = Field(
        min_length=1, description="Lower-case text one of which any match must contain."
    )
    patterns: list[str] = Field(min_length=1)

    _validate = field_validator("patterns")(_check_patterns)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The patterns as one compiled case-insensitive alternation."""
        return self._caseless.caseless

    @cached_property
    def _caseless(self) -> CaselessPattern:
        return CaselessPattern(_alternation(self.patterns), _PATTERN_FLAGS)

    def finditer(self, text: str, lowered: str) -> Iterator[re.Match[str]]:
        """The patterns' matches in `text`, whose lower-cased form is `lowered`."""
        return self._caseless.finditer(text, lowered)

    def may_match(self, lowered: str) -> bool:
        """Whether lower-cased text holds any trigger, so that the regex could match it."""
        return any(trigger in lowered for trigger in self.triggers)


class ClauseBoundaries(_TriggeredPatterns):
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


class WeightedRubricLine(_Strict):
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


class StructureScoreRubric(_Strict):
    """How the structure score is made."""

    rubric: str
    completeness: CompletenessRubric
    balance: BalanceRubric
    length: LengthRubric

    @cached_property
    def total_weight(self) -> float:
        """Sum of the three components' weights (never zero)."""
        return (self.completeness.weight + self.balance.weight + self.length.weight) or 1.0


class PsiRubric(_Strict):
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


class StarPlusRubric(_Versioned):
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


# --- Quantification ----------------------------------------------------------------------------


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


def _all_present(found: Iterable[str], needed: Any, what: str) -> None:
    missing = sorted(set(get_args(needed)) - set(found))
    if missing:
        raise ValueError(f"{what} needs {', '.join(missing)}")


class QuantComponent(_Strict):
    """One part of the quantification score."""

    name: QuantComponentName
    weight: float = Field(ge=0)
    saturation: float = Field(gt=0, le=1)
    rubric: str


class QuantScoreRubric(_Strict):
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
        _all_present(names, QuantComponentName, "components")
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


class QuantificationRubric(_Versioned):
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
        _all_present(list(questions), QuantQuestionKey, "questions")
        return questions

    _validate = field_validator("subjects", "business_families", "technical_families", "targets")(
        _check_phrases
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


# --- Level -------------------------------------------------------------------------------------


class LevelCues(_Strict):
    """Cues for one level of one dimension."""

    descriptor: str
    min_weight: float = Field(gt=0)
    metric_weight: float = Field(default=0, ge=0)
    cues: list[CueGroup]


class AntiCues(_Strict):
    """Anti-signals of one dimension."""

    descriptor: str
    cues: list[CueGroup]


class DimensionRubric(_Strict):
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


class PersonalRole(_Strict):
    """The "I" versus "we" check."""

    min_i_share: float = Field(ge=0, le=1)
    message: str
    advice: str = Field(description="What would lift the story, shown first under 'to target'.")


class LevelRubric(_Versioned):
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


class ReachRubric(_Versioned):
    """Which counted nouns measure reach, and how long a duration unit is in months."""

    group_nouns: list[str] = Field(min_length=1)
    customer_nouns: list[str] = Field(min_length=1)
    months_per_unit: dict[str, float] = Field(min_length=1)
    stakeholders: dict[int, list[str]] = Field(min_length=1)
    adoption: list[str] = Field(min_length=1)
    grown: list[str] = Field(min_length=1)

    _validate_adoption = field_validator("adoption", "grown")(_check_patterns)

    @cached_property
    def stakeholder_patterns(self) -> list[tuple[int, re.Pattern[str]]]:
        """Each rank's titles as one pattern, most senior first."""
        return [
            (rank, re.compile(_alternation(self.stakeholders[rank])))
            for rank in sorted(self.stakeholders, reverse=True)
        ]

    @cached_property
    def adoption_pattern(self) -> re.Pattern[str]:
        """Phrases that say the work was taken up beyond the author's team."""
        return re.compile(_alternation(self.adoption))

    @cached_property
    def grown_pattern(self) -> re.Pattern[str]:
        """Phrases that say people grew into a more senior role."""
        return re.compile(_alternation(self.grown))

    @cached_property
    def group_noun_set(self) -> frozenset[str]:
        """Nouns that count teams, orgs and business lines."""
        return frozenset(self.group_nouns)

    @cached_property
    def customer_noun_set(self) -> frozenset[str]:
        """Nouns that count customers and users."""
        return frozenset(self.customer_nouns)


# --- Injection and overall ---------------------------------------------------------------------


class InjectionPattern(_TriggeredPatterns):
    """Patterns of one kind of instruction hidden in notes."""

    code: str = Field(pattern=r"^injection_[a-z_]+$")
    message: str
    scope: Literal["sentence", "line"] = "sentence"


class InjectionRubric(_Versioned):
    """Instructions aimed at the coach, to flag and ignore."""

    patterns: list[InjectionPattern] = Field(min_length=1)
    learned_message: str = Field(
        min_length=1, description="The flag of sentences only the learned reader flags."
    )


class ScopeClaim(_Strict):
    """A group of scope or role claims that must be backed by the same group in the notes."""

    message: str
    phrases: list[str] = Field(min_length=1)

    _validate = field_validator("phrases")(_check_phrases)


class GuardRubric(_Versioned):
    """What the nothing-invented guard checks besides figures."""

    scope_claims: dict[str, ScopeClaim] = Field(min_length=1)
    personal_role_message: str = Field(
        description='Why an "I" was removed when the words it rests on say "we".'
    )
    not_names: list[str]
    outcome_words: frozenset[str] = Field(
        min_length=1, description="Words that tell a figure as an outcome: 'saved 72 hours'."
    )
    figure_meaning_message: str

    @cached_property
    def cue_book(self) -> CueBook[str]:
        """Every claim group's phrases, keyed by group name."""
        return CueBook([(name, 1.0, claim.phrases) for name, claim in self.scope_claims.items()])

    @cached_property
    def not_name_set(self) -> frozenset[str]:
        """Ordinary words that may be capitalised, lower-cased."""
        return frozenset(word.lower() for word in self.not_names)


class OverallRubric(_Versioned):
    """How the overall score weighs the others."""

    weights: dict[ScoreName, float]

    @field_validator("weights")
    @classmethod
    def _every_score_weighed(cls, weights: dict[str, float]) -> dict[str, float]:
        _all_present(list(weights), ScoreName, "weights")
        if any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValueError("weights must be at least 0 and not all 0")
        return weights

    max_questions: int = Field(ge=1)
    same_answer: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Pairs of question slots one answer fills: only the better of each is asked.",
    )


class LanguageRubric(_Versioned):
    """When notes are mostly not English: thresholds and the function words of each language."""

    min_letters: int = Field(ge=1)
    min_words: int = Field(ge=1)
    non_latin_share: float = Field(gt=0, le=1)
    other_to_english: float = Field(gt=0)
    message: str
    english: list[str] = Field(min_length=1)
    others: dict[str, list[str]] = Field(min_length=1)

    @cached_property
    def english_words(self) -> frozenset[str]:
        """English function words, lower-cased."""
        return frozenset(word.lower() for word in self.english)

    @cached_property
    def other_words(self) -> frozenset[str]:
        """Other languages' function words that English does not use, lower-cased."""
        return frozenset(w.lower() for words in self.others.values() for w in words) - (
            self.english_words
        )


class RubricSet(_Strict):
    """Every rubric a coaching run reads, at the versions it read."""

    star_plus: StarPlusRubric
    quantification: QuantificationRubric
    level: LevelRubric
    injection: InjectionRubric
    overall: OverallRubric
    guard: GuardRubric
    reach: ReachRubric
    language: LanguageRubric
    placement: PlacementModel | None = None  # learned; None places by the hand-set weights
    level_model: LevelModel | None = None  # learned; None reads the level by the rule
    figure_model: FigureModel | None = None  # learned; None keeps the hand-written finder's figures
    injection_model: InjectionModel | None = None  # learned; None flags by the patterns alone

    @cached_property
    def scoring_cues(self) -> CueBook[ScoringKey]:
        """The STAR+, level and quantification cues in one book: one walk over a story's words.

        Keys are ("star", section), ("level", (dimension, kind)) and ("quant", name).
        """
        entries: list[tuple[ScoringKey, float, list[str]]] = []
        entries += [(("star", key), w, p) for key, w, p in self.star_plus.cue_entries]
        entries += [(("level", key), w, p) for key, w, p in self.level.cue_entries]
        entries += [(("quant", key), w, p) for key, w, p in self.quantification.cue_entries]
        return CueBook(entries)

    @property
    def versions(self) -> dict[str, int]:
        """Rubric id -> version used."""
        rubrics = (
            self.star_plus,
            self.quantification,
            self.level,
            self.injection,
            self.overall,
            self.guard,
            self.reach,
            self.language,
        )
        versions = {r.id: r.version for r in rubrics}
        for learned in (self.placement, self.level_model, self.figure_model, self.injection_model):
            if learned is not None:
                versions[learned.id] = learned.version
        return versions


_RubricT = TypeVar("_RubricT", bound=_Versioned)


def rubric_files(directory: Path) -> dict[str, list[tuple[int, Path]]]:
    """Rubric id -> (version, path) for every rubric file in `directory`."""
    return versioned_files(directory)


def load_rubric(directory: Path, rubric_id: str, schema: type[_RubricT]) -> _RubricT:
    """Load the newest version of one rubric and validate it against its schema."""
    return read_versioned(directory, rubric_id, schema, RubricError, "rubric")


@lru_cache(maxsize=4)
def load_rubrics(directory: Path) -> RubricSet:
    """Load every rubric the coach reads, once per directory."""
    rubrics = RubricSet(
        star_plus=load_rubric(directory, "star_plus", StarPlusRubric),
        quantification=load_rubric(directory, "quantification", QuantificationRubric),
        level=load_rubric(directory, "level", LevelRubric),
        injection=load_rubric(directory, "injection", InjectionRubric),
        overall=load_rubric(directory, "overall", OverallRubric),
        guard=load_rubric(directory, "guard", GuardRubric),
        reach=load_rubric(directory, "reach", ReachRubric),
        language=load_rubric(directory, "language", LanguageRubric),
        placement=_learned(directory, "placement", PlacementModel),
        level_model=_learned(directory, "level_model", LevelModel),
        figure_model=_learned(directory, "figure_model", FigureModel),
        injection_model=_learned(directory, "injection_model", InjectionModel),
    )
    _check_question_slots(rubrics)
    return rubrics


_LearnedT = TypeVar("_LearnedT", PlacementModel, LevelModel, FigureModel, InjectionModel)


def _learned(directory: Path, model_id: str, schema: type[_LearnedT]) -> _LearnedT | None:
    """A learned model's newest weights beside the rubrics, if `make train` has written any."""
    if model_id not in versioned_files(directory):
        return None
    return read_versioned(directory, model_id, schema, RubricError, "learned model")


def _check_question_slots(rubrics: RubricSet) -> None:
    """Refuse `same_answer` slots the coach never asks: a typo there would silently do nothing."""
    known = {f"section.{section.value}" for section in Section}
    known |= {f"level.{dimension}" for dimension in rubrics.level.dimensions}
    unknown = sorted({slot for pair in rubrics.overall.same_answer for slot in pair} - known)
    if unknown:
        raise RubricError(
            f"Rubric overall names question slots that do not exist: {', '.join(unknown)}; "
            f"slots are {', '.join(sorted(known))}."
        )

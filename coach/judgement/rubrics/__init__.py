"""Rubrics as data: every rubric file's schema (a module each), the overall weights, and the
loader that reads them by name and cross-checks them (`load_rubrics` gives a `RubricSet`)."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from pydantic import Field, field_validator

from coach.errors import RubricError
from coach.judgement.cues import CueBook
from coach.judgement.injection_model import InjectionModel
from coach.judgement.level_model import LevelModel
from coach.judgement.rubrics.common import Strict, Versioned, all_present
from coach.judgement.rubrics.guards import GuardRubric, InjectionRubric, LanguageRubric
from coach.judgement.rubrics.level import LevelRubric, ReachRubric
from coach.judgement.rubrics.quantification import QuantificationRubric, ScoreName
from coach.judgement.rubrics.star import StarPlusRubric
from coach.judgement.sequence_model import FigureModel, PlacementModel
from coach.lexicon import load_lexicon
from coach.models import Section
from coach.versioned import read_versioned, versioned_files


class CueOwner(StrEnum):
    """The rubric a scoring cue comes from."""

    STAR = "star"
    LEVEL = "level"
    QUANT = "quant"


class ScoringKey(NamedTuple):
    """A cue of the combined scoring book: its rubric, and what it marks there (a Section for
    STAR+, (dimension, kind) for level, a check or family name for quantification)."""

    owner: CueOwner
    name: Any


class OverallRubric(Versioned):
    """How the overall score weighs the others."""

    weights: dict[ScoreName, float]

    @field_validator("weights")
    @classmethod
    def _every_score_weighed(cls, weights: dict[str, float]) -> dict[str, float]:
        all_present(list(weights), ScoreName, "weights")
        if any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValueError("weights must be at least 0 and not all 0")
        return weights

    max_questions: int = Field(ge=1)
    same_answer: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Pairs of question slots one answer fills: only the better of each is asked.",
    )


class RubricSet(Strict):
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
        """The STAR+, level and quantification cues in one book: one walk over a story's words."""
        entries: list[tuple[ScoringKey, float, list[str]]] = []
        for owner, rubric_entries in (
            (CueOwner.STAR, self.star_plus.cue_entries),
            (CueOwner.LEVEL, self.level.cue_entries),
            (CueOwner.QUANT, self.quantification.cue_entries),
        ):
            entries += [(ScoringKey(owner, key), w, p) for key, w, p in rubric_entries]
        return CueBook(entries)

    @property
    def versions(self) -> dict[str, int]:
        """Rubric id -> version used: the rubric files, the learned models and the lexicon."""
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
        lexicon = load_lexicon()
        versions[lexicon.id] = lexicon.version
        return versions


_RubricT = TypeVar("_RubricT", bound=Versioned)


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

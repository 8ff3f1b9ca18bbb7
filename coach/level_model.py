"""The learned level reading: a multinomial logistic regression over the story's level signals.

`make train` fits it to the corpus's level labels (`coach/training.py`) and writes
`rubrics/level_model.v<N>.json`; this module reads it and turns a story's features (each
dimension's cue weights and rule reading, reach read as quantities, the personal-role flag) into a
probability for L5, L6 and L7. Near a boundary the reading says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.models import Level
from coach.sequence_model import TrainingRecord


class LevelModel(BaseModel):
    """Standardised features, per-level coefficients and intercepts of a fitted classifier."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int
    description: str
    trained: TrainingRecord
    levels: list[Level] = Field(min_length=2)
    features: list[str] = Field(min_length=1)
    mean: list[float]
    scale: list[float]
    coefficients: list[list[float]]  # [level][feature]
    intercepts: list[float]
    borderline_margin: float = Field(
        default=0.25, ge=0, le=1, description="Runner-up this close to the top: borderline."
    )
    top_needs: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="The highest level is read only when at least this likely; else the next.",
    )

    @model_validator(mode="after")
    def _shapes(self) -> LevelModel:
        width = len(self.features)
        if len(self.mean) != width or len(self.scale) != width:
            raise ValueError("mean and scale need one value per feature")
        if len(self.coefficients) != len(self.levels) or len(self.intercepts) != len(self.levels):
            raise ValueError("one coefficient row and one intercept per level")
        if any(len(row) != width for row in self.coefficients):
            raise ValueError("each coefficient row needs one value per feature")
        return self

    def vector(self, features: Mapping[str, float]) -> list[float]:
        """The model's standardised input for a story's features (absent features are 0)."""
        return [
            (features.get(name, 0.0) - mean) / scale
            for name, mean, scale in zip(self.features, self.mean, self.scale, strict=True)
        ]

    def probabilities(self, features: Mapping[str, float]) -> dict[Level, float]:
        """P(level | features) for every level the model knows."""
        x = self.vector(features)
        logits = [
            intercept + sum(c * v for c, v in zip(row, x, strict=True))
            for row, intercept in zip(self.coefficients, self.intercepts, strict=True)
        ]
        top = max(logits)
        exps = [math.exp(value - top) for value in logits]
        total = sum(exps)
        return {level: e / total for level, e in zip(self.levels, exps, strict=True)}

    def decide(self, probabilities: Mapping[Level, float]) -> Level:
        """The most probable level; the highest level only when it is likely enough (`top_needs`),
        since reading an L6 story as L7 misleads a candidate more than the reverse."""
        ranked = sorted(self.levels, key=lambda level: level.rank)
        best = max(ranked, key=lambda level: (probabilities.get(level, 0.0), -level.rank))
        if best is ranked[-1] and probabilities.get(best, 0.0) < self.top_needs:
            return ranked[-2]
        return best

    def pull(self, features: Mapping[str, float], level: Level) -> list[tuple[str, float]]:
        """Each feature's contribution towards `level` against the others, largest first."""
        x = self.vector(features)
        row = self.levels.index(level)
        others = [r for r in range(len(self.levels)) if r != row]
        pulls = []
        for column, name in enumerate(self.features):
            mine = self.coefficients[row][column]
            rest = sum(self.coefficients[r][column] for r in others) / len(others)
            pulls.append((name, (mine - rest) * x[column]))
        return sorted(pulls, key=lambda item: -item[1])

"""The learned level reading: a multinomial logistic regression over the story's level signals.

`make train` fits it to the corpus's level labels (`coach/learning/training.py`) and writes
`rubrics/level_model.v<N>.json`; this module reads it and turns a story's features (each
dimension's cue weights and rule reading, reach read as quantities, the personal-role flag) into a
probability for L5, L6 and L7. Near a boundary the reading says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cached_property

from pydantic import Field, model_validator

from coach.judgement.sequence_model import LearnedModel
from coach.models import Level


class LevelModel(LearnedModel):
    """Standardised features, per-level coefficients and intercepts of a fitted classifier."""

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

    @cached_property
    def _absent(self) -> list[float]:
        """Each level's logit when every feature is 0: most of a story's word features are."""
        return [
            intercept - sum(c * m / s for c, m, s in zip(row, self.mean, self.scale, strict=True))
            for row, intercept in zip(self.coefficients, self.intercepts, strict=True)
        ]

    @cached_property
    def _per_unit(self) -> dict[str, list[float]]:
        """Feature -> each level's logit change per unit of the feature's raw value."""
        return {
            name: [row[i] / self.scale[i] for row in self.coefficients]
            for i, name in enumerate(self.features)
        }

    def probabilities(self, features: Mapping[str, float]) -> dict[Level, float]:
        """P(level | features) for every level the model knows.

        The same as the dot product of `vector(features)` with each level's coefficients, summed
        over the features the story has only.
        """
        logits = list(self._absent)
        per_unit = self._per_unit
        for name, value in features.items():
            steps = per_unit.get(name)
            if steps is not None and value:
                for i, step in enumerate(steps):
                    logits[i] += step * value
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

    def weight_towards(self, feature: str, level: Level) -> float:
        """How much one unit of a feature moves `level`'s logit against the other levels'."""
        steps = self._per_unit.get(feature)
        if steps is None or level not in self.levels:
            return 0.0
        row = self.levels.index(level)
        others = [steps[i] for i in range(len(steps)) if i != row]
        return steps[row] - sum(others) / len(others)

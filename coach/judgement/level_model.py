"""The learned level reading: an ordinal (cumulative) logistic regression over the story's level
signals, one binary reading per boundary between neighbouring levels ("at least L6", "at least L7").

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
    """Standardised features, and per boundary the coefficients and intercept of a binary reading
    of "at least the level above it". Levels are ordered, so one model per boundary reads more
    from few stories than one per level would (grouped CV: see `coach/learning/training.py`)."""

    levels: list[Level] = Field(min_length=2)  # lowest first
    features: list[str] = Field(min_length=1)
    mean: list[float]
    scale: list[float]
    coefficients: list[list[float]]  # [boundary][feature]; boundary k: at least levels[k + 1]
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
        if [level.rank for level in self.levels] != sorted(level.rank for level in self.levels):
            raise ValueError("levels go lowest first")
        boundaries = len(self.levels) - 1
        if len(self.coefficients) != boundaries or len(self.intercepts) != boundaries:
            raise ValueError("one coefficient row and one intercept per boundary between levels")
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
        """Each boundary's logit when every feature is 0: most of a story's word features are."""
        return [
            intercept - sum(c * m / s for c, m, s in zip(row, self.mean, self.scale, strict=True))
            for row, intercept in zip(self.coefficients, self.intercepts, strict=True)
        ]

    @cached_property
    def _per_unit(self) -> dict[str, list[float]]:
        """Feature -> each boundary's logit change per unit of the feature's raw value."""
        return {
            name: [row[i] / self.scale[i] for row in self.coefficients]
            for i, name in enumerate(self.features)
        }

    def probabilities(self, features: Mapping[str, float]) -> dict[Level, float]:
        """P(level | features) for every level the model knows: the chance of reaching each
        boundary (the dot product of `vector(features)` with its coefficients, summed over the
        features the story has only), each no higher than the one below it, and each level the
        difference between reaching its own boundary and the next."""
        logits = list(self._absent)
        per_unit = self._per_unit
        for name, value in features.items():
            steps = per_unit.get(name)
            if steps is not None and value:
                for i, step in enumerate(steps):
                    logits[i] += step * value
        reached = [1.0]
        for logit in logits:
            reached.append(min(reached[-1], _sigmoid(logit)))
        reached.append(0.0)
        return {level: reached[i] - reached[i + 1] for i, level in enumerate(self.levels)}

    def decide(self, probabilities: Mapping[Level, float]) -> Level:
        """The most probable level; the highest level only when it is likely enough (`top_needs`),
        since reading an L6 story as L7 misleads a candidate more than the reverse."""
        ranked = sorted(self.levels, key=lambda level: level.rank)
        best = max(ranked, key=lambda level: (probabilities.get(level, 0.0), -level.rank))
        if best is ranked[-1] and probabilities.get(best, 0.0) < self.top_needs:
            return ranked[-2]
        return best

    def weight_towards(self, feature: str, level: Level) -> float:
        """How much one unit of a feature moves the story towards `level` from the level below
        it (for the lowest level: away from the one above)."""
        steps = self._per_unit.get(feature)
        if steps is None or level not in self.levels:
            return 0.0
        row = self.levels.index(level)
        return steps[row - 1] if row else -steps[0]


def _sigmoid(logit: float) -> float:
    # Either form keeps exp() from overflowing on a large logit.
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    return math.exp(logit) / (1.0 + math.exp(logit))

"""The learned level reading: probabilities, the decision rule and the borderline reading."""

from __future__ import annotations

import math
import random

import pytest

from coach.judgement.level_model import LevelModel
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet
from coach.judgement.sequence_model import TrainingRecord
from coach.models import Level

LEVELS = [Level.L5, Level.L6, Level.L7]


def _model(seed: int, features: int = 12, top_needs: float = 0.5) -> LevelModel:
    rng = random.Random(seed)
    return LevelModel(
        id="level_model",
        version=1,
        description="test",
        trained=TrainingRecord(stories=0, units=0, corpus_sha256="", params={}),
        levels=LEVELS,
        features=[f"f{i}" for i in range(features)],
        mean=[rng.uniform(-1, 1) for _ in range(features)],
        scale=[rng.uniform(0.5, 2) for _ in range(features)],
        coefficients=[[rng.uniform(-2, 2) for _ in range(features)] for _ in LEVELS[1:]],
        intercepts=sorted((rng.uniform(-1, 1) for _ in LEVELS[1:]), reverse=True),
        top_needs=top_needs,
    )


@pytest.mark.parametrize("seed", range(20))
def test_probabilities_are_the_differences_of_reaching_each_boundary(seed: int) -> None:
    model = _model(seed)
    rng = random.Random(seed + 100)
    features = {f"f{i}": rng.choice([0.0, 1.0, rng.uniform(0, 5)]) for i in range(12)}
    features["unknown"] = 3.0  # a feature the model never saw weighs nothing
    x = model.vector(features)
    at_least_l6, at_least_l7 = (
        1 / (1 + math.exp(-(b + sum(c * v for c, v in zip(row, x, strict=True)))))
        for row, b in zip(model.coefficients, model.intercepts, strict=True)
    )
    at_least_l7 = min(at_least_l7, at_least_l6)  # no likelier to reach L7 than L6
    expected = {
        Level.L5: 1 - at_least_l6,
        Level.L6: at_least_l6 - at_least_l7,
        Level.L7: at_least_l7,
    }
    got = model.probabilities(features)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert sum(got.values()) == pytest.approx(1.0)
    assert all(p >= 0 for p in got.values())


def test_a_feature_pushing_past_both_boundaries_moves_the_reading_up() -> None:
    model = _model(3, features=1).model_copy(
        update={"coefficients": [[2.0], [2.0]], "intercepts": [1.0, -1.0], "mean": [0.0],
                "scale": [1.0]}
    )  # fmt: skip
    readings = [model.decide(model.probabilities({"f0": value})) for value in (-3.0, 0.0, 3.0)]
    assert readings == [Level.L5, Level.L6, Level.L7]
    assert model.weight_towards("f0", Level.L7) == 2.0 > 0 > model.weight_towards("f0", Level.L5)


def test_the_top_level_needs_to_be_likely_enough() -> None:
    model = _model(1, top_needs=0.5)
    assert model.decide({Level.L5: 0.1, Level.L6: 0.45, Level.L7: 0.45}) is Level.L6
    assert model.decide({Level.L5: 0.1, Level.L6: 0.35, Level.L7: 0.55}) is Level.L7
    assert model.decide({Level.L5: 0.2, Level.L6: 0.35, Level.L7: 0.45}) is Level.L6
    assert model.decide({Level.L5: 0.6, Level.L6: 0.3, Level.L7: 0.1}) is Level.L5


def test_shapes_are_checked() -> None:
    model = _model(2)
    with pytest.raises(ValueError, match="one value per feature"):
        LevelModel.model_validate({**model.model_dump(), "mean": [0.0]})
    with pytest.raises(ValueError, match="one intercept per boundary"):
        LevelModel.model_validate({**model.model_dump(), "intercepts": [0.0, 0.0, 0.0]})
    with pytest.raises(ValueError, match="lowest first"):
        LevelModel.model_validate({**model.model_dump(), "levels": LEVELS[::-1]})


def test_a_close_reading_says_borderline_and_what_would_tip_it(rubrics: RubricSet) -> None:
    flat = LevelModel(
        id="level_model",
        version=1,
        description="L6 likeliest, L5 and L7 close behind",
        trained=TrainingRecord(stories=0, units=0, corpus_sha256="", params={}),
        levels=LEVELS,
        features=["scope.reads"],
        mean=[0.0],
        scale=[1.0],
        coefficients=[[0.01], [0.01]],
        intercepts=[1.0, -1.0],
    )
    notes = "I fixed the flaky login test. It passes now."
    result = coach_offline(
        notes, rubrics.model_copy(update={"level_model": flat}), max_chars=len(notes)
    )
    level = result.level
    assert level.probabilities is not None and level.borderline is not None
    low, high = level.borderline.levels
    assert high.rank == low.rank + 1 and level.estimate in (low, high)
    assert level.borderline.label == f"borderline {low.value}/{high.value}"
    # Scope is the one dimension this model weighs towards the higher level: its advice comes first.
    assert level.borderline.tip and level.borderline.tip[0].startswith("Scope:")

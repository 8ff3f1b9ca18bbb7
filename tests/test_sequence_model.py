"""The learned placement model's inference: Viterbi and forward-backward against brute force."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.judgement.sequence_model import PlacementModel, TrainingRecord
from coach.models import Section

LABELS = [Section.SITUATION, Section.ACTION, Section.RESULT]
FEATURES = ["a", "b", "c", "d"]


def _model(
    transitions: list[list[float]], weights: dict[str, dict[Section, float]]
) -> PlacementModel:
    return PlacementModel(
        id="placement",
        version=1,
        description="test",
        trained=TrainingRecord(stories=0, units=0, corpus_sha256="", params={}),
        labels=LABELS,
        transitions=transitions,
        weights=weights,
    )


def _score(model: PlacementModel, emissions: list[list[float]], path: tuple[int, ...]) -> float:
    total = sum(emissions[t][s] for t, s in enumerate(path))
    return total + sum(model.transitions[a][b] for a, b in itertools.pairwise(path))


weight = st.floats(min_value=-3, max_value=3, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    transitions=st.lists(st.lists(weight, min_size=3, max_size=3), min_size=3, max_size=3),
    table=st.lists(st.lists(weight, min_size=3, max_size=3), min_size=4, max_size=4),
    units=st.lists(st.lists(st.sampled_from(FEATURES), max_size=3), min_size=1, max_size=5),
)
def test_label_is_the_best_path_and_confidence_its_marginal(
    transitions: list[list[float]], table: list[list[float]], units: list[list[str]]
) -> None:
    weights = {
        f: dict(zip(LABELS, row, strict=True)) for f, row in zip(FEATURES, table, strict=True)
    }
    model = _model(transitions, weights)
    emissions = model.emissions(units)
    paths = list(itertools.product(range(3), repeat=len(units)))
    scores = {path: _score(model, emissions, path) for path in paths}
    best = max(scores.values())
    sections, confidences = model.label(units)
    chosen = tuple(LABELS.index(s) for s in sections)
    assert scores[chosen] == pytest.approx(best)
    partition = sum(math.exp(v) for v in scores.values())
    for t, state in enumerate(chosen):
        marginal = sum(math.exp(v) for p, v in scores.items() if p[t] == state) / partition
        assert confidences[t] == pytest.approx(marginal, rel=1e-6, abs=1e-9)


def test_unknown_features_weigh_nothing_and_no_units_place_nothing() -> None:
    model = _model([[0.0] * 3 for _ in range(3)], {"a": {Section.RESULT: 2.0}})
    assert model.emissions([["a", "zzz"]]) == [[0.0, 0.0, 2.0]]
    assert model.label([]) == ([], [])


def test_transitions_must_be_square() -> None:
    with pytest.raises(ValueError, match="3 x 3"):
        _model([[0.0] * 3, [0.0] * 3], {})

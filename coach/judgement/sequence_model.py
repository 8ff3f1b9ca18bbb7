"""The learned placement model: a linear-chain CRF's weights, read from a versioned data file.

`make train` fits the weights to the labelled corpus (`coach/learning/training.py`) and writes
`rubrics/placement.v<N>.json`; this module only reads them and labels a sequence of units:
the best sequence of sections (Viterbi) and, for each unit, the probability of its section given
the whole story (forward-backward), which the story reports as the placement's confidence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.models import Section

LOW_CONFIDENCE = 0.6  # below this a placement is shown as uncertain
_EXCLUDED = -1e4  # a section a unit cannot take: far below any sum of weights, yet finite


class TrainingRecord(BaseModel):
    """What a model file was fitted to, so a reader can tell two builds apart."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stories: int
    units: int
    corpus_sha256: str
    params: dict[str, float | int | str]


class LearnedModel(BaseModel):
    """What every learned model's file says of itself: its id and version (the file name's),
    what it is, and what it was fitted to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int
    description: str
    trained: TrainingRecord


class _LinearChain(LearnedModel):
    """Labels, transition weights and per-feature state weights of a linear-chain CRF."""

    labels: Sequence[str]
    transitions: list[list[float]]  # [from][to]
    weights: Mapping[str, Mapping[Any, float]]  # feature -> label -> weight

    @model_validator(mode="after")
    def _square(self) -> _LinearChain:
        size = len(self.labels)
        if len(self.transitions) != size or any(len(row) != size for row in self.transitions):
            raise ValueError(f"transitions must be {size} x {size}")
        return self

    @cached_property
    def _dense(self) -> dict[str, tuple[float, ...]]:
        """Feature -> its weight for every label, in label order (0 where it has none)."""
        return {
            feature: tuple(by_label.get(label, 0.0) for label in self.labels)
            for feature, by_label in self.weights.items()
        }

    def emissions(self, features: Sequence[Sequence[str]]) -> list[list[float]]:
        """Each item's score for each label: the sum of its features' weights.

        Column sums of the features' weight tuples, added in C (`zip`, `sum`): this runs for
        every unit and every number of every story, and a Python loop per weight cost a quarter
        more of it.
        """
        get = self._dense.get
        zero = (0.0,) * len(self.labels)
        return [
            [
                sum(column)
                for column in zip(zero, *(v for v in map(get, item) if v is not None), strict=True)
            ]
            for item in features
        ]


class PlacementModel(_LinearChain):
    """A linear-chain CRF over a story's units, labelling each with its STAR+ section."""

    labels: list[Section] = Field(min_length=1)
    weights: dict[str, dict[Section, float]]

    def label(
        self, features: Sequence[Sequence[str]], fixed: Mapping[int, Section] | None = None
    ) -> tuple[list[Section], list[float]]:
        """The best section for each unit, and each unit's marginal probability of it.

        `fixed` maps units to the section the notes themselves name for them (an inline label):
        those units take it, and their neighbours are labelled knowing it.
        """
        if not features:
            return [], []
        scores = self.emissions(features)
        for row, section in (fixed or {}).items():
            column = self.labels.index(section)
            scores[row] = [0.0 if i == column else _EXCLUDED for i in range(len(self.labels))]
        path = _viterbi(scores, self.transitions)
        marginals = _marginals(scores, self.transitions)
        return (
            [self.labels[state] for state in path],
            [marginals[row][state] for row, state in enumerate(path)],
        )


class FigureModel(_LinearChain):
    """A linear-chain CRF that tags the tokens of the notes as the beginning of a figure ("B"),
    inside one ("I") or outside ("O"); `coach/judgement/figure_tagger.py` says what it reads."""

    labels: list[Literal["B", "I", "O"]] = Field(min_length=3, max_length=3)
    weights: dict[str, dict[Literal["B", "I", "O"], float]]

    def tag(self, features: Sequence[Sequence[str]]) -> list[str]:
        """The best tag for each token of one stretch."""
        if not features:
            return []
        return [self.labels[s] for s in _viterbi(self.emissions(features), self.transitions)]


def _viterbi(scores: list[list[float]], transitions: list[list[float]]) -> list[int]:
    """The label sequence with the highest total score; ties go to the earlier label."""
    size = len(transitions)
    best = list(scores[0])
    back: list[list[int]] = []
    for row in scores[1:]:
        step: list[int] = []
        new_best: list[float] = []
        for target in range(size):
            value, source = -math.inf, 0
            for previous in range(size):
                candidate = best[previous] + transitions[previous][target]
                if candidate > value:
                    value, source = candidate, previous
            step.append(source)
            new_best.append(value + row[target])
        back.append(step)
        best = new_best
    return backtrack(best, back)


def backtrack(final: list[float], back: list[list[int]]) -> list[int]:
    """The best path of a Viterbi pass from its last scores and back-pointers (ties: earliest)."""
    state = max(range(len(final)), key=final.__getitem__)
    path = [state]
    for step in reversed(back):
        state = step[state]
        path.append(state)
    path.reverse()
    return path


def _marginals(scores: list[list[float]], transitions: list[list[float]]) -> list[list[float]]:
    """P(label of unit t | all units), by forward-backward with per-step scaling.

    Probabilities, not logs: each unit's scores are shifted by their maximum before `exp`, and
    each step's forward and backward vectors are scaled to sum to one, so nothing overflows and
    the shifts and scales cancel in the normalised product.
    """
    size, length = len(transitions), len(scores)
    moves = [[math.exp(w) for w in row] for row in transitions]
    emitted = []
    for row in scores:
        top = max(row)
        emitted.append([math.exp(v - top) for v in row])
    forward = [_scaled(emitted[0])]
    for t in range(1, length):
        last = forward[-1]
        here = emitted[t]
        forward.append(
            _scaled(
                [here[j] * sum(last[i] * moves[i][j] for i in range(size)) for j in range(size)]
            )
        )
    backward = [[1.0] * size for _ in range(length)]
    for t in range(length - 2, -1, -1):
        after, following = emitted[t + 1], backward[t + 1]
        backward[t] = _scaled(
            [sum(moves[i][j] * after[j] * following[j] for j in range(size)) for i in range(size)]
        )
    return [
        _scaled([f * b for f, b in zip(fw, bw, strict=True)])
        for fw, bw in zip(forward, backward, strict=True)
    ]


def _scaled(values: list[float]) -> list[float]:
    total = sum(values)
    return [v / total for v in values] if total > 0 else [1.0 / len(values)] * len(values)

"""The learned injection reader: a logistic regression over the words of one sentence.

`make train` fits it to the injected pieces of the corpus's adversarial sets against every
sentence of its ordinary stories (`coach/learning/training.py`) and writes
`rubrics/injection_model.v<N>.json`; this module reads it and scores a sentence's features
(`injection.py` makes them). A sentence (or a piece set apart in one) scoring above the threshold
reads as an instruction to the coach; the threshold sits a margin above every story sentence as
scored by a reader fitted without that story's group (`coach/learning/injection_training.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat

from pydantic import Field

from coach.judgement.sequence_model import LearnedModel


class InjectionModel(LearnedModel):
    """Feature weights, intercept and decision threshold (in log-odds) of a fitted classifier."""

    weights: dict[str, float]
    intercept: float
    threshold: float = Field(description="Log-odds above which a sentence is flagged.")

    def score(self, features: Iterable[str]) -> float:
        """The sentence's log-odds of being an instruction to the coach."""
        return self.intercept + sum(map(self.weights.get, features, repeat(0.0)))

    def flags(self, features: Iterable[str]) -> bool:
        """Whether the sentence reads as an instruction to the coach."""
        return self.score(features) > self.threshold

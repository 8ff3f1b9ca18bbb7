"""Fit the learned injection reader: the adversarial sets' injected pieces against ordinary prose.

A sentence is an example: those mostly inside a labelled injected piece are instructions; every
other sentence of the adversarial sets and of the corpus's stories is ordinary. The threshold is
set a margin above the highest score of any ordinary story sentence the model was fitted on, so
that on stories it never saw it stays quiet (grouped CV: see `storycoach eval`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from coach.judgement.injection import sentence_features, sentences_of
from coach.judgement.injection_model import InjectionModel
from coach.judgement.segmenter import split_lines
from coach.judgement.sequence_model import TrainingRecord
from coach.learning.corpus import AdversarialRecord, CorpusStory

INJECTION_MODEL_ID: Final = "injection_model"
INJECTION_MODEL_VERSION: Final = 1
INJECTION_PARAMS: Final[dict[str, float | int | str]] = {
    # Grouped CV, each adversarial set held out in turn: C 1.0 caught 2 more attempts of the
    # second blind set but flagged an ordinary held-out story; 0.3 flagged none.
    "C": 0.3,
    "class_weight": "balanced",
    "max_iter": 3000,
    # Log-odds above the highest-scoring ordinary story sentence. With four sets, 2.0 flagged one
    # held-out story (a coach's question pasted into the notes); 2.5 none, for 3 fewer attempts.
    "margin": 2.5,
    # L2 leaves every word some weight; below this a word moves a sentence's score too little
    # to matter, and the file stays a sixth of the size (the threshold is set after dropping).
    "min_weight": 0.01,
}
_MOSTLY: Final = 0.5  # a sentence is an instruction when half of it (or of the piece) is inside


@dataclass(frozen=True, slots=True)
class Example:
    """One sentence's features, whether it is an instruction, and whether it is story prose."""

    features: list[str]
    injected: bool
    story: bool


def text_examples(text: str, pieces: Sequence[str] = (), *, story: bool = False) -> list[Example]:
    """Every sentence of a text as an example; `pieces` are its injected words."""
    spans = [(text.index(piece), text.index(piece) + len(piece)) for piece in pieces]
    examples = []
    for start, end in sentences_of(text, split_lines(text)):
        injected = any(
            min(end, e) - max(start, s) > _MOSTLY * min(end - start, e - s) for s, e in spans
        )
        examples.append(Example(sentence_features(text[start:end]), injected, story))
    return examples


def adversarial_examples(records: Sequence[AdversarialRecord]) -> list[Example]:
    """The sentences of adversarial texts, attempts and ordinary ones."""
    return [example for record in records for example in text_examples(record.text, record.pieces)]


def story_examples(stories: Sequence[CorpusStory]) -> list[Example]:
    """The sentences of ordinary stories."""
    return [example for story in stories for example in text_examples(story.notes, story=True)]


def train_injection(examples: Sequence[Example], digest: str, stories: int) -> InjectionModel:
    """Fit a logistic regression to the sentences, and set its threshold above every ordinary
    story sentence by the margin."""
    from sklearn.feature_extraction import DictVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([dict.fromkeys(e.features, 1) for e in examples])
    fitted = LogisticRegression(
        C=float(INJECTION_PARAMS["C"]),
        class_weight=str(INJECTION_PARAMS["class_weight"]),
        max_iter=int(INJECTION_PARAMS["max_iter"]),
    ).fit(matrix, [e.injected for e in examples])
    names = vectorizer.get_feature_names_out()
    floor = float(INJECTION_PARAMS["min_weight"])
    weights = {
        str(name): round(float(w), 4)
        for name, w in zip(names, fitted.coef_[0], strict=True)
        if abs(w) >= floor
    }
    model = InjectionModel(
        id=INJECTION_MODEL_ID,
        version=INJECTION_MODEL_VERSION,
        description="Logistic regression reading a sentence of the notes as an instruction to the "
        "coach (make train; coach/learning/injection_training.py).",
        trained=TrainingRecord(
            stories=stories,
            units=len(examples),
            corpus_sha256=digest,
            params=dict(INJECTION_PARAMS),
        ),
        weights=weights,
        intercept=round(float(fitted.intercept_[0]), 4),
        threshold=0.0,
    )
    highest = max((model.score(e.features) for e in examples if e.story), default=0.0)
    threshold = round(highest + float(INJECTION_PARAMS["margin"]), 4)
    return model.model_copy(update={"threshold": threshold})

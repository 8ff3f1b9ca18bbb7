"""Fit the learned injection reader: the adversarial sets' injected pieces against ordinary prose.

A sentence is an example: those mostly inside a labelled injected piece are instructions; every
other sentence of the adversarial sets and of the corpus's stories is ordinary. The threshold is
set a margin above the highest score of any story sentence read by a reader fitted without that
story's group: a sentence the model was fitted on scores lower than an unseen one would, so a
threshold set on those sat too high for attempts and, with less regularisation, too low for
stories (grouped CV: see `storycoach eval`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from coach.judgement.injection import reading_units, sentence_features
from coach.judgement.injection_model import InjectionModel
from coach.judgement.rubrics.guards import InjectionWords
from coach.judgement.segmenter import split_lines
from coach.judgement.sequence_model import TrainingRecord
from coach.learning.corpus import AdversarialRecord, CorpusStory, grouped_indices

INJECTION_MODEL_ID: Final = "injection_model"
INJECTION_MODEL_VERSION: Final = 1
INJECTION_PARAMS: Final[dict[str, float | int | str]] = {
    # Grouped CV, each adversarial set held out in turn: C 1.0 caught 2 more attempts of the
    # second blind set but flagged an ordinary held-out story; 0.3 flagged none.
    "C": 0.3,
    "class_weight": "balanced",
    "max_iter": 3000,
    # Log-odds above the highest score of a story sentence its group's reader never saw. Each
    # adversarial set held out in turn (then four sets: 220 attempts, 300 ordinary texts; 644
    # stories in grouped CV): 0.5 caught one attempt more than 0.75 but flagged a held-out
    # story; 1.0 caught 7 fewer.
    "margin": 0.75,
    # Folds of the story groups for that threshold: each group's sentences scored by a reader
    # fitted without them.
    "threshold_folds": 3,
    # L2 leaves every word some weight; below this a word moves a sentence's score too little
    # to matter, and the file stays a sixth of the size (the threshold is set after dropping).
    "min_weight": 0.01,
}
_MOSTLY: Final = 0.5  # a sentence is an instruction when half of it (or of the piece) is inside


@dataclass(frozen=True, slots=True)
class Example:
    """One sentence's features, whether it is an instruction, and the story group whose prose it
    is (None for an adversarial text)."""

    features: list[str]
    injected: bool
    group: str | None


def text_examples(
    text: str, words: InjectionWords, pieces: Sequence[str] = (), *, group: str | None = None
) -> list[Example]:
    """Every reading unit of a text (a sentence, or a piece set apart in it) as an example;
    `pieces` are its injected words."""
    spans = [(text.index(piece), text.index(piece) + len(piece)) for piece in pieces]
    examples = []
    for start, end in reading_units(text, split_lines(text)):
        injected = any(
            min(end, e) - max(start, s) > _MOSTLY * min(end - start, e - s) for s, e in spans
        )
        examples.append(Example(sentence_features(text[start:end], words), injected, group))
    return examples


def adversarial_examples(
    records: Sequence[AdversarialRecord], words: InjectionWords
) -> list[Example]:
    """The sentences of adversarial texts, attempts and ordinary ones."""
    return [
        example
        for record in records
        for example in text_examples(record.text, words, record.pieces)
    ]


def story_examples(stories: Sequence[CorpusStory], words: InjectionWords) -> list[Example]:
    """The sentences of ordinary stories, each with its story's group, and every few stories
    again with a phrase marked up (`with_markup`)."""
    return [
        example
        for index, story in enumerate(stories)
        for notes in (story.notes, *with_markup(story.notes, index))
        for example in text_examples(notes, words, group=story.group)
    ]


# People paste notes from web pages, wikis and Markdown: tags and emphasis are formatting, not an
# instruction. The stories hold almost none, so a reader fitted to them alone learned any "<" or
# "</" as an attempt's sign ("Feedback from my manager: <i>best design doc</i>" was flagged). Each
# `_MARKUP_EVERY`-th story is read a second time with its lines' middle words wrapped in markup.
_MARKUP: Final = (
    ("<b>", "</b>"), ("<i>", "</i>"), ("<em>", "</em>"), ("**", "**"), ("<code>", "</code>"),
    ("*", "*"), ("<strong>", "</strong>"), ("`", "`"),
)  # fmt: skip
_MARKUP_EVERY: Final = 3


def with_markup(notes: str, index: int) -> list[str]:
    """`notes` with a few words of each line wrapped in markup, for every `_MARKUP_EVERY`-th
    story (none for the others): deterministic, so training stays reproducible."""
    if index % _MARKUP_EVERY:
        return []
    opening, closing = _MARKUP[index // _MARKUP_EVERY % len(_MARKUP)]
    lines = []
    for line in notes.split("\n"):
        words = line.split(" ")
        if len(words) < 4:
            lines.append(line)
            continue
        middle = len(words) // 2
        words[middle - 1] = opening + words[middle - 1]
        words[middle] += closing
        lines.append(" ".join(words))
    return ["\n".join(lines)]


def train_injection(examples: Sequence[Example], digest: str, stories: int) -> InjectionModel:
    """Fit a logistic regression to the sentences, and set its threshold the margin above every
    story sentence as read by a reader fitted without the sentence's story group."""
    model = _fit(examples, digest, stories)
    story_at = [i for i, e in enumerate(examples) if e.group is not None]
    folds = grouped_indices(
        [str(examples[i].group) for i in story_at], int(INJECTION_PARAMS["threshold_folds"])
    )
    highest = 0.0
    if len(folds) > 1:
        unseen: list[float] = []
        for fold in folds:
            held = {story_at[i] for i in fold}
            reader = _fit([e for i, e in enumerate(examples) if i not in held], digest, stories)
            unseen += [reader.score(examples[i].features) for i in held]
        highest = max(unseen)
    threshold = round(highest + float(INJECTION_PARAMS["margin"]), 4)
    return model.model_copy(update={"threshold": threshold})


def _fit(examples: Sequence[Example], digest: str, stories: int) -> InjectionModel:
    """A logistic regression fitted to the sentences, its small weights dropped, no threshold."""
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
    return InjectionModel(
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

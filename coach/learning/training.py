"""Fit the placement model to the labelled corpus with CRFsuite, and write it as a data file.

Each corpus story is analysed exactly as a user's notes are (`restructurer.analyse`); each of its
units takes the gold section of the labelled unit it overlaps most. CRFsuite's L-BFGS fit is
deterministic, and the weights are rounded and written with sorted keys, so the same corpus gives
the same file.
"""

from __future__ import annotations

import hashlib
import json
import math
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pycrfsuite  # type: ignore[import-untyped]

from coach.judgement.figure_tagger import gold_tags, stretches, token_features
from coach.judgement.injection_model import InjectionModel
from coach.judgement.level_model import LevelModel
from coach.judgement.offline import prepare_notes
from coach.judgement.restructurer import analyse
from coach.judgement.rubrics import RubricSet
from coach.judgement.sequence_model import FigureModel, LearnedModel, PlacementModel, TrainingRecord
from coach.judgement.unit_features import is_content_feature
from coach.learning.corpus import (
    HEADING,
    AdversarialRecord,
    Arrangement,
    CorpusStory,
    GoldUnit,
    as_written,
    most_overlapped,
    shuffled,
)
from coach.learning.injection_training import adversarial_examples, story_examples, train_injection
from coach.models import LEVEL_ORDER, Framework, Level, Section

MODEL_ID: Final = "placement"
MODEL_VERSION: Final = 1
PARAMS: Final[dict[str, float | int | str]] = {
    # L1 leaves most word features at no weight, so the file stays small and coaching fast;
    # 0.02/0.1 scored 0.7 points higher in grouped CV but doubled the features and the batch time.
    "c1": 0.05,
    "c2": 0.05,
    "max_iterations": 200,
    "feature.possible_transitions": 1,
}
_DIGITS: Final = 4


@dataclass(frozen=True, slots=True)
class TrainingSequence:
    """One story as the model sees it: the features and the gold section of each unit."""

    features: list[list[str]]
    labels: list[Section]


def overlap_label(start: int, end: int, gold: Sequence[GoldUnit]) -> Section | None:
    """The gold section of the labelled unit sharing most characters with [start, end)."""
    label = most_overlapped(start, end, ((u.start, u.end, u.label) for u in gold))
    return None if label is None or label == HEADING else Section(label)


def _sequence(
    arrangement: Arrangement, rubrics: RubricSet, keep: Callable[[str], bool]
) -> TrainingSequence:
    found = analyse(arrangement.notes, rubrics)
    features: list[list[str]] = []
    labels: list[Section] = []
    rows = found.features(arrangement.notes, rubrics.star_plus)
    for unit, row in zip(found.units, rows, strict=True):
        label = overlap_label(unit.start, unit.end, arrangement.gold)
        if label is not None:
            features.append([feature for feature in row if keep(feature)])
            labels.append(label)
    return TrainingSequence(features, labels)


def training_sequence(story: CorpusStory, rubrics: RubricSet) -> TrainingSequence:
    """The story's units as written, with their features and gold sections (units with no gold
    section are left out)."""
    return _sequence(as_written(story), rubrics, lambda _: True)


def training_sequences(story: CorpusStory, rubrics: RubricSet) -> list[TrainingSequence]:
    """The story as written, and its units shuffled with only what they say as features.

    The shuffled copy teaches the model to read a unit's content, not only where it stands:
    notes told out of order, or lessons in the middle, are placed by what they say.
    """
    return [
        training_sequence(story, rubrics),
        _sequence(shuffled(story), rubrics, is_content_feature),
    ]


def corpus_digest(stories: Sequence[CorpusStory]) -> str:
    """SHA-256 of the stories the model is fitted to, in the order given."""
    digest = hashlib.sha256()
    for story in stories:
        digest.update(story.record.model_dump_json().encode("utf-8"))
    return digest.hexdigest()


def train_placement(
    sequences: Sequence[TrainingSequence], digest: str, stories: int, description: str = ""
) -> PlacementModel:
    """Fit a linear-chain CRF to the sequences and return its weights as a model.

    `digest` names the corpus they come from (`corpus_digest`) and `stories` counts its stories,
    both recorded in the model.
    """
    labels = list(Section)
    units = sum(len(sequence.labels) for sequence in sequences)
    transitions, weights = _fit_chain(
        [(seq.features, [str(label) for label in seq.labels]) for seq in sequences],
        [str(label) for label in labels],
        PARAMS,
    )
    return PlacementModel(
        id=MODEL_ID,
        version=MODEL_VERSION,
        description=description
        or "Linear-chain CRF weights for placing units of notes in STAR+ sections "
        "(make train; coach/learning/training.py).",
        trained=TrainingRecord(
            stories=stories,
            units=units,
            corpus_sha256=digest,
            params=dict(PARAMS),
        ),
        labels=labels,
        transitions=transitions,
        weights={
            feature: {Section(label): w for label, w in by_label.items()}
            for feature, by_label in weights.items()
        },
    )


def _fit_chain(
    sequences: Sequence[tuple[list[list[str]], list[str]]],
    labels: Sequence[str],
    params: dict[str, float | int | str],
) -> tuple[list[list[float]], dict[str, dict[str, float]]]:
    """Fit a linear-chain CRF with CRFsuite; its transitions ([from][to], in `labels` order)
    and its non-zero state weights, rounded so that the same data always gives the same file."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for features, tags in sequences:
        if tags:
            trainer.append(features, tags)
    trainer.set_params(params)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "model.crfsuite")
        trainer.train(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(path)
        info = tagger.info()
        tagger.close()
    column = {label: i for i, label in enumerate(labels)}
    transitions = [[0.0] * len(labels) for _ in labels]
    for (source, target), weight in info.transitions.items():
        transitions[column[source]][column[target]] = round(weight, _DIGITS)
    weights: dict[str, dict[str, float]] = {}
    for (feature, label), weight in sorted(info.state_features.items()):
        rounded = round(weight, _DIGITS)
        if rounded:
            weights.setdefault(feature, {})[label] = rounded
    return transitions, weights


FIGURE_MODEL_ID: Final = "figure_model"
FIGURE_MODEL_VERSION: Final = 1
FIGURE_PARAMS: Final[dict[str, float | int | str]] = {
    # Grouped CV on figure spans: c 0.1 -> 0.03 found 28 more figures but 0.3 points fewer exact.
    "c1": 0.1,
    "c2": 0.1,
    "max_iterations": 200,
    "feature.possible_transitions": 1,
}
_FIGURE_TAGS: Final = ("B", "I", "O")


def figure_sequences(
    story: CorpusStory, rubrics: RubricSet
) -> list[tuple[list[list[str]], list[str]]]:
    """The stretches of a story the figure tagger reads, with their features and gold tags; the
    hand-written finder's figures come from the notes analysed as a user's are."""
    finder_only = rubrics.model_copy(update={"figure_model": None})
    found = analyse(story.notes, finder_only)
    finder = [(f.start, f.end) for measured in found.measured for f in measured.figures]
    nouns = rubrics.quantification.count_noun_set
    return [
        (token_features(stretch, finder, nouns), gold_tags(stretch, story.figures))
        for stretch in stretches(story.notes)
    ]


def train_figures(
    sequences: Sequence[tuple[list[list[str]], list[str]]], digest: str, stories: int
) -> FigureModel:
    """Fit the figure tagger to the stories' labelled figure spans."""
    transitions, weights = _fit_chain(sequences, _FIGURE_TAGS, FIGURE_PARAMS)
    return FigureModel.model_validate(
        {
            "id": FIGURE_MODEL_ID,
            "version": FIGURE_MODEL_VERSION,
            "description": "Linear-chain CRF weights tagging the tokens near numbers as figures "
            "(make train; coach/learning/training.py, coach/judgement/figure_tagger.py).",
            "trained": TrainingRecord(
                stories=stories,
                units=sum(len(tags) for _, tags in sequences),
                corpus_sha256=digest,
                params=dict(FIGURE_PARAMS),
            ),
            "labels": list(_FIGURE_TAGS),
            "transitions": transitions,
            "weights": weights,
        }
    )


def write_model(model: LearnedModel, directory: Path) -> Path:
    """Write a learned model beside the rubrics as `<id>.v<N>.json`, byte-for-byte reproducible."""
    path = directory / f"{model.id}.v{model.version}.json"
    data = model.model_dump(mode="json")
    path.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n", encoding="utf-8")
    return path


LEVEL_MODEL_ID: Final = "level_model"
LEVEL_MODEL_VERSION: Final = 2
LEVEL_PARAMS: Final[dict[str, float | int | str]] = {
    # Strong L2: a few hundred stories, a thousand-odd word features. Grouped CV, level read
    # exactly (644 stories): one binary reading per boundary (ordinal) read 88.4% at C 0.01,
    # 89.4% at 0.02, 89.6% at 0.03, where one reading per level (multinomial) read 87.9% at 0.01
    # (its best); chosen on that same CV, so the figure is a little optimistic.
    "C": 0.03,
    "class_weight": "balanced",  # L7 is the rarest label and the one users most need read right
    "max_iter": 2000,
    "min_stories": 10,  # a word weighs only if this many training stories use it
    # L7 only at 60% or more: reading an L6 story as L7 misleads a candidate most. In grouped CV
    # (ordinal, C 0.03) 0.5 -> 0.6 cut L5/L6 stories read L7 from 3 to 2, L7 recall 93.6 -> 91.7.
    "top_needs": 0.6,
}


@dataclass(frozen=True, slots=True)
class LevelExample:
    """One story's level features and the level of the work it describes."""

    features: dict[str, float]
    level: Level


def level_example(story: CorpusStory, rubrics: RubricSet) -> LevelExample:
    """The story's level features as the grader reads them, and its labelled level.

    A story the grader flags for "we" in place of "I" is read one level lower after the learned
    reading (the personal-role rule), so the reading itself is fitted to the level of the work:
    one above the label.
    """
    rule = rubrics.model_copy(update={"level_model": None})
    graded = prepare_notes(story.notes, rule).grade(rule, story.record.level, Framework.STAR)
    level = story.record.level
    if any(flag.code == "personal_role" for flag in graded.flags) and level is not Level.L7:
        level = LEVEL_ORDER[level.rank + 1]
    return LevelExample(graded.level_features, level)


def train_level(examples: Sequence[LevelExample], digest: str) -> LevelModel | None:
    """Fit an ordinal logistic regression to standardised level features: for each boundary
    between neighbouring levels, a binary reading of "at least the level above it" (None when
    the examples hold fewer than two levels: there is nothing to tell apart)."""
    levels = sorted({example.level for example in examples}, key=lambda level: level.rank)
    if len(levels) < 2:
        return None
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    used: Counter[str] = Counter(name for example in examples for name in example.features)
    floor = int(LEVEL_PARAMS["min_stories"])
    names = sorted(n for n, c in used.items() if not n.startswith("word:") or c >= floor)
    rows = [[example.features.get(name, 0.0) for name in names] for example in examples]
    means = [sum(column) / len(rows) for column in zip(*rows, strict=True)]
    scales = []
    for column, mean in zip(zip(*rows, strict=True), means, strict=True):
        spread = math.sqrt(sum((v - mean) ** 2 for v in column) / len(rows))
        scales.append(spread if spread > 1e-9 else 1.0)
    standard = [[(v - m) / s for v, m, s in zip(row, means, scales, strict=True)] for row in rows]
    coefficients: list[list[float]] = []
    intercepts: list[float] = []
    for above in levels[1:]:
        fitted = LogisticRegression(
            C=float(LEVEL_PARAMS["C"]),
            class_weight=str(LEVEL_PARAMS["class_weight"]),
            max_iter=int(LEVEL_PARAMS["max_iter"]),
        ).fit(standard, [example.level.rank >= above.rank for example in examples])
        coefficients.append([round(float(c), _DIGITS) for c in fitted.coef_[0]])
        intercepts.append(round(float(fitted.intercept_[0]), _DIGITS))
    return LevelModel(
        id=LEVEL_MODEL_ID,
        version=LEVEL_MODEL_VERSION,
        description="Ordinal logistic regression reading a story's level from its level "
        "features, one binary reading per boundary (make train; coach/learning/training.py).",
        trained=TrainingRecord(
            stories=len(examples), units=0, corpus_sha256=digest, params=dict(LEVEL_PARAMS)
        ),
        levels=levels,
        features=names,
        top_needs=float(LEVEL_PARAMS["top_needs"]),
        mean=[round(m, _DIGITS + 2) for m in means],
        scale=[round(s, _DIGITS + 2) for s in scales],
        coefficients=coefficients,
        intercepts=intercepts,
    )


@dataclass(frozen=True, slots=True)
class Fitted:
    """The learned models fitted to one corpus, and how long each step took (seconds)."""

    figures: FigureModel
    placement: PlacementModel
    level: LevelModel | None
    injection: InjectionModel | None  # None with no adversarial set to fit it to
    seconds: dict[str, float]


def fit(
    stories: Sequence[CorpusStory],
    rubrics: RubricSet,
    adversarial: Sequence[AdversarialRecord] = (),
) -> Fitted:
    """Fit the figure tagger, then placement (which reads the figures), then the level reading
    on that placement, and the injection reader, as `make train` does."""
    began = time.perf_counter()
    digest = corpus_digest(stories)
    figures = train_figures(
        [seq for story in stories for seq in figure_sequences(story, rubrics)],
        digest,
        len(stories),
    )
    tagged = time.perf_counter()
    with_figures = rubrics.model_copy(update={"figure_model": figures})
    sequences = [seq for story in stories for seq in training_sequences(story, with_figures)]
    featured = time.perf_counter()
    placement = train_placement(sequences, digest, len(stories))
    placed = time.perf_counter()
    by_rule = with_figures.model_copy(update={"placement": placement, "level_model": None})
    level = train_level([level_example(story, by_rule) for story in stories], digest)
    leveled = time.perf_counter()
    injection = (
        train_injection(
            adversarial_examples(adversarial, rubrics.injection.words)
            + story_examples(stories, rubrics.injection.words),
            digest,
            len(stories),
        )
        if any(record.injection for record in adversarial)
        else None
    )
    done = time.perf_counter()
    return Fitted(
        figures,
        placement,
        level,
        injection,
        {
            "figures": tagged - began,
            "features": featured - tagged,
            "placement": placed - featured,
            "level": leveled - placed,
            "injection": done - leveled,
        },
    )

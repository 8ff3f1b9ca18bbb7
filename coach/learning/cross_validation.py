"""Grouped cross-validation on the labelled corpus: every figure is on writing the model never saw.

Stories are grouped by source and style; the groups are dealt into folds, a placement model is
fitted on every fold but one and measured on the one left out (the figure tagger first, since
placement reads its figures). Beside each figure stand trivial
baselines fitted on the same training folds (the majority section; the most common section at
each relative position) and the hand-set placement, so a figure says what the learning adds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from coach.judgement.cues import tokenize
from coach.judgement.figures import qualified_spans
from coach.judgement.injection import find_injections
from coach.judgement.offline import coach_offline
from coach.judgement.placement import measure_all
from coach.judgement.restructurer import analyse
from coach.judgement.rubrics import RubricSet
from coach.judgement.sequence_model import PlacementModel
from coach.learning.corpus import (
    AdversarialRecord,
    Arrangement,
    CorpusStory,
    GoldUnit,
    as_written,
    grouped_indices,
    most_overlapped,
    shuffled,
)
from coach.learning.injection_training import adversarial_examples, story_examples, train_injection
from coach.learning.training import (
    corpus_digest,
    figure_sequences,
    level_example,
    train_figures,
    train_level,
    train_placement,
    training_sequences,
)
from coach.models import Level, Section

DEFAULT_FOLDS: Final = 5
_POSITION_BINS: Final = 10
_FLAGGING_CODES: Final = ("injection", "suspicious_precision")
_CALIBRATION_BINS: Final = 5
_ANY_NUMBER: Final = re.compile(r"[$€£~]?\d[\d,.]*(?:%|[a-zA-Z]+)?")  # the figures baseline


@dataclass(slots=True)
class Tally:
    """Correct and total units, per gold section too, with the commonest confusions."""

    correct: int = 0
    total: int = 0
    per_section: dict[Section, list[int]] = field(default_factory=dict)
    confusions: Counter[tuple[Section, Section | None]] = field(default_factory=Counter)

    def add(self, gold: Section, predicted: Section | None) -> None:
        """Count one unit."""
        hit = gold is predicted
        self.correct += hit
        self.total += 1
        cell = self.per_section.setdefault(gold, [0, 0])
        cell[0] += hit
        cell[1] += 1
        if not hit:
            self.confusions[(gold, predicted)] += 1

    @property
    def accuracy(self) -> float:
        """Share of units placed in their labelled section."""
        return self.correct / self.total if self.total else 0.0

    def recall(self) -> dict[Section, float]:
        """Per gold section: the share of its units placed there."""
        return {s: hit / total for s, (hit, total) in sorted(self.per_section.items()) if total}


def predicted(gold: GoldUnit, placed: Sequence[tuple[int, int, Section]]) -> Section | None:
    """The section holding most of a gold unit's characters."""
    return most_overlapped(gold.start, gold.end, placed)


def grouped_folds(stories: Sequence[CorpusStory], folds: int) -> list[list[int]]:
    """Story indices per fold; a group (source and style) never spans two folds."""
    return grouped_indices([story.group for story in stories], folds)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What placement reads of one arrangement, computed once for every fold."""

    arrangement: Arrangement
    spans: list[tuple[int, int]]
    features: list[list[str]]
    labelled: dict[int, Section]
    handset: list[tuple[int, int, Section]]


def _prepare(arrangement: Arrangement, rubrics: RubricSet) -> _Prepared:
    found = analyse(arrangement.notes, rubrics)
    handset = found.handset_sections(rubrics.star_plus)
    return _Prepared(
        arrangement,
        [(u.start, u.end) for u in found.units],
        found.features(arrangement.notes, rubrics.star_plus),
        found.labelled(),
        [(u.start, u.end, section) for u, section in zip(found.units, handset, strict=True)],
    )


@dataclass(slots=True)
class PlacementFigures:
    """Section placement on one arrangement of the held-out stories, with its baselines."""

    learned: Tally = field(default_factory=Tally)
    handset: Tally = field(default_factory=Tally)
    majority: Tally = field(default_factory=Tally)
    position: Tally = field(default_factory=Tally)


def _position_baseline(train: Sequence[Arrangement]) -> tuple[list[Section], Section]:
    """The commonest gold section at each relative position, and overall."""
    by_bin: list[Counter[Section]] = [Counter() for _ in range(_POSITION_BINS)]
    overall: Counter[Section] = Counter()
    for arrangement in train:
        for unit, where in _relative(arrangement):
            by_bin[where][Section(unit.label)] += 1
            overall[Section(unit.label)] += 1
    majority = overall.most_common(1)[0][0] if overall else Section.ACTION
    return [c.most_common(1)[0][0] if c else majority for c in by_bin], majority


def _relative(arrangement: Arrangement) -> list[tuple[GoldUnit, int]]:
    if not arrangement.gold:
        return []
    first, last = arrangement.gold[0].start, arrangement.gold[-1].end
    width = max(1, last - first)
    return [
        (unit, min(_POSITION_BINS - 1, int((unit.start - first) / width * _POSITION_BINS)))
        for unit in arrangement.gold
    ]


def _measure(
    held_out: Sequence[_Prepared],
    model: PlacementModel,
    train: Sequence[Arrangement],
    figures: PlacementFigures,
) -> None:
    by_position, majority = _position_baseline(train)
    for item in held_out:
        sections, _ = model.label(item.features, item.labelled)
        placed = [(s, e, section) for (s, e), section in zip(item.spans, sections, strict=True)]
        for unit, where in _relative(item.arrangement):
            gold = Section(unit.label)
            figures.learned.add(gold, predicted(unit, placed))
            figures.handset.add(gold, predicted(unit, item.handset))
            figures.majority.add(gold, majority)
            figures.position.add(gold, by_position[where])


@dataclass(slots=True)
class LevelFigures:
    """Level readings against the labels, with the majority-level baseline."""

    pairs: list[tuple[Level, Level]] = field(default_factory=list)  # (gold, read)
    majority_correct: int = 0
    # (gold, the reading's probability of each level), where a learned reading gave them
    forecasts: list[tuple[Level, dict[Level, float]]] = field(default_factory=list)

    @property
    def brier(self) -> float:
        """Mean squared distance between the probabilities and the labelled level (0 is best)."""
        if not self.forecasts:
            return 0.0
        return sum(
            sum((p.get(level, 0.0) - (level is gold)) ** 2 for level in Level)
            for gold, p in self.forecasts
        ) / len(self.forecasts)

    @property
    def calibration_error(self) -> float:
        """Expected calibration error over five bins of the top probability: how far "80%
        sure" is from being right 80% of the time."""
        bins: list[list[tuple[float, bool]]] = [[] for _ in range(_CALIBRATION_BINS)]
        for gold, p in self.forecasts:
            top = max(p, key=lambda level: p[level])
            bins[min(_CALIBRATION_BINS - 1, int(p[top] * _CALIBRATION_BINS))].append(
                (p[top], top is gold)
            )
        total = sum(len(b) for b in bins) or 1
        return sum(
            len(b) / total * abs(sum(c for c, _ in b) / len(b) - sum(r for _, r in b) / len(b))
            for b in bins
            if b
        )

    @property
    def exact(self) -> float:
        """Share of stories read at their labelled level."""
        return sum(g is r for g, r in self.pairs) / len(self.pairs) if self.pairs else 0.0

    @property
    def l7_recall(self) -> float:
        """Share of L7 stories read L7."""
        l7 = [r for g, r in self.pairs if g is Level.L7]
        return sum(r is Level.L7 for r in l7) / len(l7) if l7 else 0.0

    @property
    def l6_precision(self) -> float:
        """Share of stories read L6 that are L6."""
        read = [g for g, r in self.pairs if r is Level.L6]
        return sum(g is Level.L6 for g in read) / len(read) if read else 0.0

    @property
    def below_read_l7(self) -> int:
        """L5 and L6 stories read L7: the error a user is hurt by most."""
        return sum(g is not Level.L7 and r is Level.L7 for g, r in self.pairs)


@dataclass(slots=True)
class FigureFigures:
    """Gold figures found with the exact span, found overlapping, and figures found beyond."""

    gold: int = 0
    exact: int = 0
    overlapping: int = 0
    found: int = 0
    spurious: int = 0
    missed: Counter[str] = field(default_factory=Counter)


@dataclass(slots=True)
class CrossValidation:
    """Every cross-validated figure `storycoach eval` reports."""

    stories: int
    groups: int
    folds: int
    ordered: PlacementFigures
    shuffled: PlacementFigures
    level: LevelFigures
    level_by_rule: LevelFigures
    borderline: int
    figures: FigureFigures
    figures_baseline: FigureFigures  # every run of digits with what is glued to it
    flagged_stories: list[str]


def cross_validate(
    stories: Sequence[CorpusStory],
    rubrics: RubricSet,
    folds: int = DEFAULT_FOLDS,
    progress: Callable[[str], None] | None = None,
    adversarial: Sequence[AdversarialRecord] = (),
) -> CrossValidation:
    """Fit on all folds but one, measure on that one, for every fold; plus level and figures.

    With `adversarial` records, each fold's injection reader is fitted to them and to the fold's
    training stories, and the held-out stories' flags are counted with it.
    """
    say = progress or (lambda _: None)
    say(f"analysing {len(stories)} stories")
    figure_sequences_of = [figure_sequences(story, rubrics) for story in stories]
    words = rubrics.injection.words
    attempts = (
        adversarial_examples(adversarial, words) if any(r.injection for r in adversarial) else None
    )
    sentences_of_story = [story_examples([story], words) for story in stories] if attempts else []
    plan = grouped_folds(stories, folds)
    result = CrossValidation(
        stories=len(stories),
        groups=len({s.group for s in stories}),
        folds=len(plan),
        ordered=PlacementFigures(),
        shuffled=PlacementFigures(),
        level=LevelFigures(),
        level_by_rule=LevelFigures(),
        borderline=0,
        figures=FigureFigures(),
        figures_baseline=FigureFigures(),
        flagged_stories=[],
    )
    for number, held in enumerate(plan, start=1):
        say(f"fold {number} of {len(plan)}: {len(held)} stories held out")
        held_set = set(held)
        train_idx = [i for i in range(len(stories)) if i not in held_set]
        digest = corpus_digest([stories[i] for i in train_idx])
        # Figures first: placement reads them, so it is fitted and measured on the fold's tagger.
        tagger = train_figures(
            [seq for i in train_idx for seq in figure_sequences_of[i]], digest, len(train_idx)
        )
        with_figures = rubrics.model_copy(update={"figure_model": tagger})
        model = train_placement(
            [seq for i in train_idx for seq in training_sequences(stories[i], with_figures)],
            digest,
            len(train_idx),
        )
        for arrange, tally in ((as_written, result.ordered), (shuffled, result.shuffled)):
            _measure(
                [_prepare(arrange(stories[i]), with_figures) for i in held],
                model,
                [arrange(stories[i]) for i in train_idx],
                tally,
            )
        reader = None
        if attempts is not None:
            ordinary = [e for i in train_idx for e in sentences_of_story[i]]
            reader = train_injection(attempts + ordinary, digest, len(train_idx))
        by_rule = with_figures.model_copy(
            update={"placement": model, "level_model": None, "injection_model": reader}
        )
        level_reader = train_level([level_example(stories[i], by_rule) for i in train_idx], digest)
        learned = by_rule.model_copy(update={"level_model": level_reader})
        majority = Counter(stories[i].record.level for i in train_idx).most_common(1)[0][0]
        for i in held:
            _read_held_out(stories[i], learned, by_rule, majority, result)
    return result


def _read_held_out(
    story: CorpusStory,
    learned: RubricSet,
    by_rule: RubricSet,
    majority: Level,
    result: CrossValidation,
) -> None:
    """Coach one held-out story as a user would, and count its level, figures and flags."""
    gold = story.record.level
    coached = coach_offline(story.notes, learned, target=gold, max_chars=len(story.notes) + 1)
    result.level.pairs.append((gold, coached.level.estimate))
    if coached.level.probabilities:
        result.level.forecasts.append((gold, dict(coached.level.probabilities)))
    result.level.majority_correct += gold is majority
    ruled = coach_offline(story.notes, by_rule, target=gold, max_chars=len(story.notes) + 1)
    result.level_by_rule.pairs.append((gold, ruled.level.estimate))
    if coached.level.borderline is not None:
        result.borderline += 1
    if any(code in flag.code for flag in coached.flags for code in _FLAGGING_CODES):
        result.flagged_stories.append(story.id)
    # The figure reader over the whole notes, header lines ("Team size: 6 engineers") included.
    (whole,) = measure_all(
        story.notes,
        [(0, len(story.notes))],
        learned.quantification,
        tokenize(story.notes),
        learned.figure_model,
    )
    found = [((f.start, f.end), qualified_spans(f)) for f in whole.figures]
    _count_figures(story, found, result.figures)
    numbers = [(m.span(), {m.span()}) for m in _ANY_NUMBER.finditer(story.notes)]
    _count_figures(story, numbers, result.figures_baseline)


def _count_figures(
    story: CorpusStory,
    found: Sequence[tuple[tuple[int, int], set[tuple[int, int]]]],
    tally: FigureFigures,
) -> None:
    """Count gold figures found exactly (with or without a leading qualifier such as "about"
    or a percentile label), found overlapping, and figures found that overlap no gold one."""
    tally.gold += len(story.figures)
    tally.found += len(found)
    exact = {span for _, spans in found for span in spans}
    for start, end in story.figures:
        if (start, end) in exact:
            tally.exact += 1
        if any(min(end, e) > max(start, s) for (s, e), _ in found):
            tally.overlapping += 1
        else:
            tally.missed[story.notes[start:end]] += 1
    tally.spurious += sum(
        not any(min(end, e) > max(start, s) for s, e in story.figures) for (start, end), _ in found
    )


@dataclass(frozen=True, slots=True)
class InjectionRates:
    """How the injection flags fare on the adversarial set."""

    caught: int
    attempts: int
    false_alarms: int
    ordinary: int
    missed: tuple[str, ...]  # ids of attempts not caught
    alarmed: tuple[str, ...]  # ids of ordinary texts flagged


def injection_rates_held_out(
    sets: Mapping[str, Sequence[AdversarialRecord]],
    stories: Sequence[CorpusStory],
    rubrics: RubricSet,
) -> dict[str, InjectionRates]:
    """Each adversarial set's rates, flagged by the patterns and by a learned reader fitted to
    every other set and to the stories: the set it is measured on is writing it never saw."""
    words = rubrics.injection.words
    ordinary = story_examples(stories, words)
    digest = corpus_digest(stories)
    rates: dict[str, InjectionRates] = {}
    for name, records in sets.items():
        others = [r for other, rs in sets.items() if other != name for r in rs]
        reader = (
            train_injection(adversarial_examples(others, words) + ordinary, digest, len(stories))
            if any(r.injection for r in others)
            else None
        )
        rates[name] = injection_rates(
            records, rubrics.model_copy(update={"injection_model": reader})
        )
    return rates


def injection_rates(records: Sequence[AdversarialRecord], rubrics: RubricSet) -> InjectionRates:
    """Flag every text of the adversarial set and count hits and false alarms."""
    missed: list[str] = []
    alarmed: list[str] = []
    attempts = sum(record.injection for record in records)
    for record in records:
        flagged = bool(
            find_injections(record.text, rubrics.injection, None, rubrics.injection_model)
        )
        if record.injection and not flagged:
            missed.append(record.id)
        elif flagged and not record.injection:
            alarmed.append(record.id)
    return InjectionRates(
        caught=attempts - len(missed),
        attempts=attempts,
        false_alarms=len(alarmed),
        ordinary=len(records) - attempts,
        missed=tuple(missed),
        alarmed=tuple(alarmed),
    )

"""Turn figures into metrics with the quantification guide's checks; score the story's numbers."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import Final, NamedTuple

from coach.judgement.answers import NOTHING_ATTACHED, Attached, AttachedAnswer
from coach.judgement.changes import Change
from coach.judgement.placement import OwnedHits, PlacedUnit
from coach.judgement.rubrics import CueOwner
from coach.judgement.rubrics.quantification import QuantComponent, QuantificationRubric
from coach.models import (
    Excerpt,
    Figure,
    Flag,
    Metric,
    MetricCheck,
    MetricKind,
    Score,
    ScoreComponent,
)

CHECKS: Final[tuple[MetricCheck, ...]] = tuple(MetricCheck)  # in the guide's order
_CHECK_BY_NAME: Final = {check.value: check for check in MetricCheck}
# "p99 was 850ms" (a percentile) is the baseline of "p99 dropped to 320ms" (a latency): kinds that
# all measure time compare as one when a baseline is looked for in an earlier sentence.
_TIME_KINDS: Final = dict.fromkeys((MetricKind.DURATION, MetricKind.PERCENTILE), MetricKind.LATENCY)


class QuantFeatures(NamedTuple):
    """What the quantification score is computed from; questions perturb it to price answers."""

    result_units: int
    result_units_with_figures: int
    result_metrics: int
    eligible: dict[MetricCheck, int]
    passing: dict[MetricCheck, int]
    story_level: dict[MetricCheck, Excerpt | None]
    families: frozenset[str]

    def with_one_more(self, check: MetricCheck) -> QuantFeatures:
        """These features had one more result metric passed `check`."""
        passing = dict(self.passing)
        passing[check] = min(self.eligible[check], passing[check] + 1)
        return self._replace(passing=passing)

    def with_figure_answered(self, *, new_statement: bool) -> QuantFeatures:
        """These features had an answer given a figure: for a statement of the notes, or as a
        result statement of its own. Its metric counts for no check it does not meet."""
        units = self.result_units + int(new_statement)
        return self._replace(
            result_units=units,
            result_units_with_figures=min(units, self.result_units_with_figures + 1),
            result_metrics=self.result_metrics + 1,
        )

    def with_check_answered(self, check: MetricCheck) -> QuantFeatures:
        """These features had one more result metric, given in an answer, met `check`."""
        eligible, passing = dict(self.eligible), dict(self.passing)
        eligible[check] += 1
        passing[check] += 1
        return self._replace(eligible=eligible, passing=passing)

    def with_families(self, families: frozenset[str]) -> QuantFeatures:
        """These features had measured these families of outcome."""
        return self._replace(families=families)


class QuantCues:
    """Where each check's, subject's and outcome family's words stand in the placed notes, and
    the sentences they are looked for in."""

    def __init__(self, inside: OwnedHits, placed: Sequence[PlacedUnit]) -> None:
        """`inside` is `hits_inside` over the `placed` notes."""
        self.sentences = sentence_spans(placed)
        self._spans: dict[str, list[tuple[int, int]]] = {}
        for _, hit in inside.get(CueOwner.QUANT, ()):
            self._spans.setdefault(hit.key.name, []).append((hit.start, hit.end))

    def first(self, key: str, start: int, end: int) -> tuple[int, int] | None:
        """The first span of `key` starting inside [start, end)."""
        spans = self._spans.get(key, [])
        index = bisect_left(spans, (start, -1))
        if index < len(spans) and spans[index][0] < end:
            return spans[index]
        return None

    def all(self, key: str, start: int, end: int) -> list[tuple[int, int]]:
        """Every span of `key` starting inside [start, end)."""
        spans = self._spans.get(key, [])
        index = bisect_left(spans, (start, -1))
        found: list[tuple[int, int]] = []
        while index < len(spans) and spans[index][0] < end:
            found.append(spans[index])
            index += 1
        return found


def sentence_spans(placed: Sequence[PlacedUnit]) -> dict[int, tuple[int, int]]:
    """Sentence index -> the span of all its placed clauses."""
    spans: dict[int, tuple[int, int]] = {}
    for unit in placed:
        start, end = spans.get(unit.sentence, (unit.start, unit.end))
        spans[unit.sentence] = (min(start, unit.start), max(end, unit.end))
    return spans


def _first_excerpt(notes: str, cues: QuantCues, key: str, start: int, end: int) -> Excerpt | None:
    span = cues.first(key, start, end)
    return None if span is None else Excerpt.of(notes, *span)


def _subject(notes: str, cues: QuantCues, start: int, end: int, at: int) -> str | None:
    """The words naming what the figure measures, nearest before it, else after it."""
    best: tuple[int, str] | None = None
    for s_start, s_end in cues.all("subject", start, end):
        distance = at - s_end if s_end <= at else (s_start - at) + 1000
        if best is None or distance < best[0]:
            best = (distance, notes[s_start:s_end])
    return best[1] if best else None


def build_metrics(
    notes: str,
    placed: Sequence[PlacedUnit],
    cues: QuantCues,
    rubric: QuantificationRubric,
    attached: Attached = NOTHING_ATTACHED,
) -> list[Metric]:
    """Every figure and before/after change as a metric, with the guide's checks and their words.

    An answer about a figure's checks (`attached`) is that figure's evidence, not a figure of
    its own.
    """
    sentences = cues.sentences
    metrics: list[Metric] = []
    earlier = _StatedBaselines(rubric, cues)
    for unit in placed:
        if not unit.measured.figures or unit.answer in attached.evidence_only:
            continue  # most statements: no figure, so no change either
        s_start, s_end = sentences[unit.sentence]
        in_change = {
            id(f) for c in unit.measured.changes for f in (c.before, c.after, c.relative) if f
        }
        items: list[tuple[int, int, Figure, Change | None]] = [
            (c.start, c.end, (c.after or c.relative or c.before), c)  # type: ignore[misc]
            for c in unit.measured.changes
        ]
        items += [
            (f.start, f.end, f, None) for f in unit.measured.figures if id(f) not in in_change
        ]
        kept = _without_periods(notes, items, cues, s_start, s_end)
        # A duration dropped as another figure's measurement period ("0.4% (Crashlytics, 30
        # days)") is that figure's time window.
        periods = [Excerpt.of(notes, i[0], i[1]) for i in items if i not in kept]
        for start, end, figure, change in kept:
            evidence: dict[MetricCheck, Excerpt] = {}
            if change is not None and (change.before or change.relative):
                evidence[MetricCheck.BASELINE] = Excerpt.of(notes, change.start, change.end)
            for check in CHECKS:
                if check not in evidence:
                    found = _first_excerpt(notes, cues, check, s_start, s_end)
                    if found is not None:
                        evidence[check] = found
            if periods and MetricCheck.TIME_WINDOW not in evidence:
                evidence[MetricCheck.TIME_WINDOW] = periods[0]
            for answer in attached.checks.get(start, ()):
                _answered_checks(notes, cues, answer, evidence)
            kind = figure.kind
            if change is not None and kind is MetricKind.NUMBER and change.before is not None:
                kind = change.before.kind
            subject = _subject(notes, cues, s_start, s_end, start)
            is_result = unit.section in rubric.result_sections
            stated = earlier.note(
                unit, (s_start, s_end), subject, kind, Excerpt.of(notes, start, end)
            )
            if is_result and stated is not None and MetricCheck.BASELINE not in evidence:
                evidence[MetricCheck.BASELINE] = stated
            metrics.append(
                Metric(
                    text=notes[start:end],
                    start=start,
                    end=end,
                    kind=kind,
                    value=figure.value,
                    unit=figure.unit,
                    noun=figure.noun,
                    approximate=figure.approximate,
                    before=change.before.excerpt() if change and change.before else None,
                    after=change.after.excerpt() if change and change.after else None,
                    subject=subject,
                    section=unit.section,
                    is_result=is_result,
                    check_evidence=evidence,
                    answer=unit.answer,
                    **{check: check in evidence for check in CHECKS},
                )
            )
    return metrics


# Checks that ask for a number: an answer giving one answers them.
_NUMERIC_CHECKS: Final = frozenset(
    {MetricCheck.BASELINE, MetricCheck.TIME_WINDOW, MetricCheck.CONFIDENCE}
)


# A source named in an answer about method: a preposition, then a capitalised name ("in Airflow",
# "from the Looker report", "via PagerDuty"); not a date ("in January", "by Friday"), a quarter
# ("in Q3") or "I".
_NAMED_SOURCE: Final = re.compile(
    r"\b(?:in|from|on|via|using|with|per|through|by)\s+(?:the\s+|our\s+|an?\s+)?"
    r"(?!(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)[A-Z][A-Za-z][\w.-]*"
)


def _answered_checks(
    notes: str, cues: QuantCues, answer: AttachedAnswer, evidence: dict[MetricCheck, Excerpt]
) -> None:
    """The checks an answer about a figure gives: each check it was asked for that its words
    state (the check's own phrases), or, for a check that asks for a number, that it gives one."""
    start, end = answer.span
    for check in answer.checks:
        if check in evidence:
            continue
        found = _first_excerpt(notes, cues, check, start, end)
        if found is None and answer.has_figure and check in _NUMERIC_CHECKS:
            found = Excerpt.of(notes, start, end)
        if found is None and check is MetricCheck.METHOD:
            # Asked where a figure was read, "the job's duration in Airflow" names the source:
            # tools are names, and no cue list knows them all.
            named = _NAMED_SOURCE.search(notes, start, end)
            found = Excerpt.of(notes, named.start(), named.end()) if named else None
        if found is not None:
            evidence[check] = found


class _StatedBaselines:
    """Figures the context states, as baselines for later result figures of the same measure.

    "p99 was 850ms at peak" ... "p99 dropped to 320ms": the first figure of a subject and kind of
    measure in the rubric's baseline sections (the situation; the task's figures are targets) is
    the baseline of that subject's figures in later sentences, quoted as evidence. Not counts or
    bare numbers ("5 scenarios", an HTTP "500"), and not a sentence that states a goal ("the
    business required 1M+ a minute").
    """

    def __init__(self, rubric: QuantificationRubric, cues: QuantCues) -> None:
        self._rubric, self._cues = rubric, cues
        self._stated: dict[tuple[str, MetricKind], tuple[int, Excerpt]] = {}  # -> sentence, words

    def note(
        self,
        unit: PlacedUnit,
        sentence: tuple[int, int],
        subject: str | None,
        kind: MetricKind,
        figure: Excerpt,
    ) -> Excerpt | None:
        """Remember a context figure; for any other, the baseline an earlier sentence stated."""
        rubric = self._rubric
        if (
            not subject
            or kind is MetricKind.NUMBER
            or not rubric.applies(MetricCheck.BASELINE, kind)
        ):
            return None
        key = (subject.lower(), _TIME_KINDS.get(kind, kind))
        if unit.section in rubric.baseline_sections:
            if self._cues.first("target", *sentence) is None:
                self._stated.setdefault(key, (unit.sentence, figure))
            return None
        stated_in, words = self._stated.get(key, (unit.sentence, None))
        return words if stated_in != unit.sentence else None


def _without_periods(
    notes: str,
    items: list[tuple[int, int, Figure, Change | None]],
    cues: QuantCues,
    start: int,
    end: int,
) -> list[tuple[int, int, Figure, Change | None]]:
    """`items` in text order, less the durations that are another figure's measurement period.

    In "p99 fell to 320ms over the next 2 weeks" or "fell to 0.4% (Crashlytics, 30 days)", the
    duration says over what period the figure was measured: it is no outcome to ask a baseline
    for. A duration stays a metric when it is the only measure there ("patched within 36 hours").
    """
    if len(items) < 2:
        return items  # a lone figure is never another's period (most units hold none)
    windows = cues.all(MetricCheck.TIME_WINDOW, start, end)

    def is_period(item: tuple[int, int, Figure, Change | None]) -> bool:
        f_start, f_end, figure, change = item
        if (
            change is not None
            or _TIME_KINDS.get(figure.kind, figure.kind) is not MetricKind.LATENCY
        ):
            return False
        in_window = any(w_start <= f_start and f_end <= w_end for w_start, w_end in windows)
        return in_window or _in_parentheses(notes, f_start, f_end, start, end)

    # By position, not identity: equal tuples need not be the same object.
    periods = [is_period(item) for item in items]
    if all(periods):
        periods = [False] * len(items)  # nothing else is measured: the durations are the outcome
    kept = [item for item, period in zip(items, periods, strict=True) if not period]
    return sorted(kept, key=lambda item: item[0])


def _in_parentheses(notes: str, start: int, end: int, floor: int, ceiling: int) -> bool:
    """Whether notes[start:end] sits inside one pair of parentheses within [floor, ceiling)."""
    opening = notes.rfind("(", floor, start)
    closing = notes.find(")", end, ceiling)
    return (
        opening != -1
        and closing != -1
        and ")" not in notes[opening:start]
        and "(" not in notes[end:closing]
    )


_DECIMAL: Final = re.compile(r"\d[\d,]*\.\d+")
_NINES: Final = re.compile(r"99\.9*\d?$")


def significant_digits(number: str) -> int:
    """Significant digits of a decimal as written: "13.4721" 6, "0.0004" 1, "2,300.5" 5."""
    digits = number.replace(",", "").replace(".", "").lstrip("0")
    return len(digits)


def suspicious_precision(metrics: Sequence[Metric], rubric: QuantificationRubric) -> Flag | None:
    """Figures so precise they read as invented (LEVELS.md: "suspiciously precise figures")."""
    limit = rubric.score.suspicious_digits
    evidence = [
        m.excerpt()
        for m in metrics
        if any(
            significant_digits(found.group()) >= limit and not _NINES.match(found.group())
            for found in _DECIMAL.finditer(m.text)
        )
    ]
    if not evidence:
        return None
    return Flag(
        code="suspicious_precision",
        message=(
            f"Figures with {limit} or more significant digits read as invented unless you show "
            "the source."
        ),
        evidence=evidence,
    )


def quant_features(
    notes: str,
    placed: Sequence[PlacedUnit],
    metrics: Sequence[Metric],
    cues: QuantCues,
    rubric: QuantificationRubric,
    attached: Attached = NOTHING_ATTACHED,
) -> QuantFeatures:
    """Count what the quantification score reads.

    Answers count as result statements only when they answer a question for a figure, and a
    statement counts as carrying a figure when an answer about it gives one.
    """
    result_units = [
        u
        for u in placed
        if u.section in rubric.result_sections and u.answer not in attached.not_statements
    ]
    result_metrics = [m for m in metrics if m.is_result]
    # A figure given in an answer counts for a check it meets, never against one it does not:
    # answering a question must not cost points the notes had.
    eligible = {
        check: [
            m
            for m in result_metrics
            if rubric.applies(check, m.kind) and (m.answer is None or getattr(m, check))
        ]
        for check in CHECKS
    }
    everything = (0, len(notes))
    story_level = {c: _first_excerpt(notes, cues, c, *everything) for c in CHECKS}
    families: set[str] = set()
    sentences = cues.sentences
    for unit in result_units:
        if not unit.measured.figures:
            continue
        start, end = sentences[unit.sentence]
        families.update(f for f in ("business", "technical") if cues.first(f, start, end))
    return QuantFeatures(
        result_units=len(result_units),
        result_units_with_figures=sum(
            1
            for u in result_units
            if u.measured.figures or any(a.has_figure for a in attached.coverage.get(u.start, ()))
        ),
        result_metrics=len(result_metrics),
        eligible={c: len(eligible[c]) for c in CHECKS},
        passing={c: sum(1 for m in eligible[c] if getattr(m, c)) for c in CHECKS},
        story_level=story_level,
        families=frozenset(families),
    )


def _fraction(line: QuantComponent, features: QuantFeatures, rubric: QuantificationRubric) -> float:
    """How much of one rubric line the story earns (0-1). Question pricing calls this dozens of
    times per story, so the words that explain it are built apart, by `_reason`."""
    if line.name == "coverage":
        share = _share(features.result_units_with_figures, features.result_units)
        return min(1.0, share / line.saturation)
    if line.name == "breadth":
        return min(1.0, len(features.families) / 2 / line.saturation)
    return _check_fraction(line, features, _CHECK_BY_NAME[line.name], rubric)[0]


def _check_fraction(
    line: QuantComponent, features: QuantFeatures, check: MetricCheck, rubric: QuantificationRubric
) -> tuple[float, bool]:
    """A check's line earned, and whether that is the story-level credit: a check met once
    anywhere in the notes earns the credit when the result metrics alone earn less."""
    fraction = min(1.0, _share(features.passing[check], features.eligible[check]) / line.saturation)
    credit = rubric.score.story_level_credit
    if fraction < credit and features.story_level[check] is not None:
        return credit, True
    return fraction, False


def _reason(line: QuantComponent, features: QuantFeatures, rubric: QuantificationRubric) -> str:
    """Why the story earns what `_fraction` says of one rubric line."""
    if line.name == "coverage":
        return (
            f"{features.result_units_with_figures} of {features.result_units} result "
            "statements carry a figure"
        )
    if line.name == "breadth":
        named = " and ".join(sorted(features.families)) or "no"
        return f"{named} outcomes measured"
    check = _CHECK_BY_NAME[line.name]
    passing, eligible = features.passing[check], features.eligible[check]
    reason = f"{passing} of {eligible} result metrics"
    story_evidence = features.story_level[check]
    if story_evidence is not None and _check_fraction(line, features, check, rubric)[1]:
        reason += f"; stated once elsewhere: \u201c{story_evidence.text}\u201d"
    return reason


def quant_points(
    features: QuantFeatures, rubric: QuantificationRubric, only: str | None = None
) -> float:
    """The quantification score before rounding (what questions compare).

    With `only`, the points of that one rubric line: enough to price a change to it alone.
    """
    score = rubric.score
    lines = score.components if only is None else [score.component(only)]
    earned = sum(line.weight * _fraction(line, features, rubric) for line in lines)
    return 100 * earned / score.total_weight


def quant_score(
    features: QuantFeatures, rubric: QuantificationRubric, evidence: Sequence[Excerpt] = ()
) -> Score:
    """The 0-100 quantification score, one component per rubric line."""
    components: list[ScoreComponent] = []
    for line in rubric.score.components:
        fraction = _fraction(line, features, rubric)
        components.append(
            ScoreComponent(
                name=line.name,
                points=round(line.weight * fraction, 2),
                max_points=line.weight,
                rubric=line.rubric,
                reason=_reason(line, features, rubric),
            )
        )
    return Score.from_components("quantification", components, list(evidence))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0

"""Read the level a story shows (L5, L6, L7) from the rubric's signals, with the words behind it."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Final, NamedTuple

from coach.judgement.cues import Hit, Tokens
from coach.judgement.level_model import LevelModel
from coach.judgement.placement import OwnedHits, PlacedUnit
from coach.judgement.rubrics import CueOwner, ScoringKey
from coach.judgement.rubrics.level import DimensionRubric, LevelRubric, ReachRubric
from coach.lexicon import load_lexicon
from coach.models import (
    LEVEL_ORDER,
    Borderline,
    Excerpt,
    Flag,
    Level,
    LevelReading,
    LevelSignal,
    Metric,
    MetricKind,
    Score,
    ScoreComponent,
)

_MAX_EVIDENCE: Final = 4
_RESULT_METRICS_COUNTED: Final = 2
_TIPS: Final = 2  # what would tip a borderline reading: the two dimensions that weigh most
_COUNTED: Final = 3  # reach phrases counted up to this many: the fourth adds nothing
_LEXICON: Final = load_lexicon()
I_WORDS: Final = frozenset(_LEXICON.i_words)
WE_WORDS: Final = frozenset(_LEXICON.we_words)
# Words that credit the work to the team: with none of I_WORDS beside them, they support no "I".
TEAM_WORDS: Final = WE_WORDS | frozenset(_LEXICON.team_words)
# A bullet that opens with a past-tense verb ("Rewrote the cache") is the writer's own claim;
# terse notes drop the capital with the pronoun ("- wrote the compare tool"), so at the start of
# a line a lower-case verb counts too (mid-sentence, "found" may be the team's: "we profiled it,
# found the lock").
_PAST_VERB: Final = (
    r"(?!(?:need|speed|feed|seed)\b)(?:[a-z]+ed|built|led|wrote|ran|drove|made|took|set|rewrote"
    r"|broke|chose|brought|found|gave|got|held|kept|met|put|sent|spent|split|taught|went|won"
    r"|began|shipped|cut|laid|sought)\b"
)
_IMPLIED_I: Final = re.compile(rf"(?=[A-Z])(?i:{_PAST_VERB})")
_IMPLIED_I_AT_LINE_START: Final = re.compile(rf"(?i:{_PAST_VERB})")
_BULLET_MARK: Final = re.compile(r"[ \t]*(?:[-*\u2022>+]|\d{1,2}[.)])?[ \t]*")


class DimensionWeights(NamedTuple):
    """Cue weight found for one dimension, and its evidence."""

    l6: float
    l7: float
    anti: float
    l6_evidence: tuple[Excerpt, ...]
    l7_evidence: tuple[Excerpt, ...]
    anti_evidence: tuple[Excerpt, ...]

    def without_anti(self) -> DimensionWeights:
        """The same dimension had its anti-signals been answered."""
        return self._replace(anti=0.0, anti_evidence=())

    def reaching(self, level: Level, rubric: DimensionRubric) -> DimensionWeights:
        """The same dimension had an answer shown `level`."""
        if level is Level.L7:
            return self._replace(l7=max(self.l7, rubric.L7.min_weight + self.anti))
        if level is Level.L6:
            return self._replace(l6=max(self.l6, rubric.L6.min_weight + self.anti))
        return self


LevelHits = dict[tuple[str, str], list[Hit[ScoringKey]]]


class LevelRead(NamedTuple):
    """A level reading with what it was read from: the dimensions' cue weights, the
    personal-role flag, and the features a learned reading weighs (what training fits to)."""

    reading: LevelReading
    weights: dict[str, DimensionWeights]
    role_flag: Flag | None
    features: dict[str, float]


def level_hits(inside: OwnedHits) -> LevelHits:
    """The level rubric's cues inside the placed notes (`hits_inside`), by (dimension, kind)."""
    found: LevelHits = {}
    for _, hit in inside.get(CueOwner.LEVEL, ()):
        found.setdefault(hit.key.name, []).append(hit)
    return found


def _weigh(notes: str, hits: Sequence[Hit[ScoringKey]]) -> tuple[float, tuple[Excerpt, ...]]:
    """Total weight of distinct matched words, and where they stand (the same words count once)."""
    if not hits:
        return 0.0, ()  # two of three kinds of cue, in most stories
    seen: dict[str, tuple[float, int, int]] = {}
    for hit in hits:
        key = notes[hit.start : hit.end].lower()
        if key not in seen or seen[key][0] < hit.weight:
            seen[key] = (hit.weight, hit.start, hit.end)
    weight = sum(w for w, _, _ in seen.values())
    spans = sorted((start, end) for _, start, end in seen.values())
    return weight, tuple(Excerpt.of(notes, s, e) for s, e in spans[:_MAX_EVIDENCE])


def dimension_weights(
    notes: str,
    name: str,
    hits: LevelHits,
    metrics: Sequence[Metric],
    rubric: DimensionRubric,
) -> DimensionWeights:
    """Weigh one dimension's cues in the notes."""
    l6, l6_evidence = _weigh(notes, hits.get((name, "L6"), []))
    l7, l7_evidence = _weigh(notes, hits.get((name, "L7"), []))
    anti, anti_evidence = _weigh(notes, hits.get((name, "anti"), []))
    if rubric.L6.metric_weight:
        measured = [m for m in metrics if m.is_result][:_RESULT_METRICS_COUNTED]
        l6 += rubric.L6.metric_weight * len(measured)
        l6_evidence += tuple(m.excerpt() for m in measured)
    return DimensionWeights(l6, l7, anti, l6_evidence, l7_evidence, anti_evidence)


def dimension_level(weights: DimensionWeights, rubric: DimensionRubric) -> Level:
    """L7 when L7 cues reach their bar, L6 when L6 and L7 cues together reach theirs, else L5."""
    if weights.l7 - weights.anti >= rubric.L7.min_weight:
        return Level.L7
    if weights.l6 + weights.l7 - weights.anti >= rubric.L6.min_weight:
        return Level.L6
    return Level.L5


def _signal(
    name: str, weights: DimensionWeights, rubric: DimensionRubric, levels: LevelRubric
) -> LevelSignal:
    level = dimension_level(weights, rubric)
    if level is Level.L7:
        evidence, descriptor = weights.l7_evidence, rubric.L7.descriptor
    elif level is Level.L6:
        evidence, descriptor = weights.l6_evidence + weights.l7_evidence, rubric.L6.descriptor
    else:
        evidence, descriptor = weights.l6_evidence, f"No {name} signal reaches senior level."
    return LevelSignal(
        dimension=name,
        level=level,
        points=levels.points[level],
        evidence=list(sorted(evidence, key=lambda e: e.start)[:_MAX_EVIDENCE]),
        anti_evidence=list(weights.anti_evidence[:_MAX_EVIDENCE]),
        rubric=descriptor,
    )


def read_level(
    notes: str,
    placed: Sequence[PlacedUnit],
    hits: LevelHits,
    metrics: Sequence[Metric],
    rubric: LevelRubric,
    target: Level,
    tokens: Tokens,
    reach: ReachRubric,
    model: LevelModel | None,
) -> LevelRead:
    """The level the story reads at, each dimension's signal, and what would reach the target.

    With a learned `model`, the level is the most probable one given the dimensions' readings
    and the story's reach; without one, the highest level enough dimensions read at. Either way
    a story that says "we" where it should say "I" reads one level lower: interviewers cannot
    credit what the candidate did not claim (the rubric's personal-role rule).
    """
    weights = {
        name: dimension_weights(notes, name, hits, metrics, dimension)
        for name, dimension in rubric.dimensions.items()
    }
    signals = [_signal(name, weights[name], rubric.dimensions[name], rubric) for name in weights]
    points = mean_points(signals, rubric)
    estimate = estimate_level(signals, rubric)
    role_flag = personal_role_flag(notes, placed, tokens, rubric)
    probabilities: dict[Level, float] | None = None
    features = level_features(notes, weights, signals, estimate, placed, tokens, reach)
    if model is not None:
        learned = model.probabilities(features)
        estimate = model.decide(learned)
        probabilities = learned
    if role_flag is not None and estimate is not Level.L5:
        estimate = LEVEL_ORDER[estimate.rank - 1]
        if probabilities:
            probabilities = _one_level_lower(probabilities)
    to_target = [
        f"{s.dimension.replace('_', ' ').capitalize()} reads {s.level.value}"
        + (f" (\u201c{s.evidence[0].text}\u201d)" if s.evidence else "")
        + f": {rubric.dimensions[s.dimension].advice[target]}"
        for s in sorted(signals, key=lambda s: -rubric.dimensions[s.dimension].weight)
        if s.level.rank < target.rank
    ]
    if role_flag is not None:
        to_target.insert(0, rubric.personal_role.advice)
    reading = LevelReading(
        estimate=estimate,
        target=target,
        points=round(points, 3),
        signals=signals,
        to_target=to_target,
        probabilities=(
            {level: round(p, 3) for level, p in probabilities.items()} if probabilities else None
        ),
        borderline=_borderline(estimate, probabilities, model, signals, rubric),
    )
    return LevelRead(reading, weights, role_flag, features)


def _one_level_lower(probabilities: dict[Level, float]) -> dict[Level, float]:
    """The distribution of a work level read one level lower (L5 absorbs L5 and L6)."""
    lower = dict.fromkeys(LEVEL_ORDER, 0.0)
    for level, p in probabilities.items():
        lower[LEVEL_ORDER[max(0, level.rank - 1)]] += p
    return lower


def _borderline(
    estimate: Level,
    probabilities: dict[Level, float] | None,
    model: LevelModel | None,
    signals: Sequence[LevelSignal],
    rubric: LevelRubric,
) -> Borderline | None:
    """The neighbouring level when the reading is close to it, and what would tip it up: the
    advice of the dimensions below the higher level that the model weighs most towards it."""
    if probabilities is None or model is None:
        return None
    neighbours = [level for level in LEVEL_ORDER if abs(level.rank - estimate.rank) == 1]
    runner = max(neighbours, key=lambda level: probabilities.get(level, 0.0))
    if probabilities.get(estimate, 0.0) - probabilities.get(runner, 0.0) > model.borderline_margin:
        return None
    low, high = sorted((estimate, runner), key=lambda level: level.rank)
    below = [s for s in signals if s.level.rank < high.rank]
    weighed = sorted(below, key=lambda s: -model.weight_towards(f"{s.dimension}.reads", high))
    return Borderline(
        levels=(low, high),
        label=f"borderline {low.value}/{high.value}",
        tip=[
            f"{s.dimension.replace('_', ' ').capitalize()}: "
            + rubric.dimensions[s.dimension].advice[high]
            for s in weighed[:_TIPS]
        ],
    )


def level_features(
    notes: str,
    weights: dict[str, DimensionWeights],
    signals: Sequence[LevelSignal],
    rule_estimate: Level,
    placed: Sequence[PlacedUnit],
    tokens: Tokens,
    reach: ReachRubric,
) -> dict[str, float]:
    """What the learned level reading weighs: each dimension's cues and rule reading, the rule's
    estimate, the story's length and words, and reach read as quantities: teams, customers and
    months from its counted figures; the most senior person named; how often the work was taken
    up beyond the author's team; how often people grew into more senior roles."""
    features: dict[str, float] = {}
    for signal in signals:
        found = weights[signal.dimension]
        features[f"{signal.dimension}.l6"] = found.l6
        features[f"{signal.dimension}.l7"] = found.l7
        features[f"{signal.dimension}.anti"] = found.anti
        features[f"{signal.dimension}.reads"] = float(signal.level.rank)
    features["rule_estimate"] = float(rule_estimate.rank)
    features["words"] = math.log1p(len(tokens.words))
    groups = customers = months = 0.0
    for unit in placed:
        for figure in unit.measured.figures:
            value = figure.value or 0.0
            noun = (figure.noun or "").split()[-1:] or [""]
            if figure.kind is MetricKind.COUNT and noun[0] in reach.group_noun_set:
                groups = max(groups, value)
            elif figure.kind is MetricKind.COUNT and noun[0] in reach.customer_noun_set:
                customers = max(customers, value)
            elif figure.kind is MetricKind.DURATION and figure.unit in reach.months_per_unit:
                months = max(months, value * reach.months_per_unit[figure.unit])
    # The story's own words: how principal engineers write about their work ("roadmap",
    # "sponsored", "every org") says more than any list of cues; the model keeps the words
    # common enough in the corpus to weigh (`min_stories`).
    for word in tokens.words:
        if len(word) > 2 and word[0].isalpha():
            features[f"word:{word}"] = 1.0
    lowered = notes.lower()
    features["reach.stakeholder"] = float(
        next((rank for rank, p in reach.stakeholder_patterns if p.search(lowered)), 0)
    )
    features["reach.adoption"] = float(min(_COUNTED, len(reach.adoption_pattern.findall(lowered))))
    features["reach.grown"] = float(min(_COUNTED, len(reach.grown_pattern.findall(lowered))))
    features["reach.groups"] = math.log1p(groups)
    features["reach.customers"] = math.log10(1 + customers)
    features["reach.months"] = math.log1p(months)
    return features


def estimate_level(signals: Sequence[LevelSignal], rubric: LevelRubric) -> Level:
    """The highest level enough dimensions read at (or above)."""
    estimate = Level.L5
    for level in LEVEL_ORDER:
        needed = rubric.min_dimensions.get(level)
        reaching = sum(1 for s in signals if s.level.rank >= level.rank)
        if needed is not None and reaching >= needed:
            estimate = level
    return estimate


def mean_points(signals: Sequence[LevelSignal], rubric: LevelRubric) -> float:
    """Weighted mean of the dimensions' points."""
    total = sum(rubric.dimensions[s.dimension].weight for s in signals) or 1.0
    return sum(rubric.dimensions[s.dimension].weight * s.points for s in signals) / total


def _fit(points: float, target: Level, rubric: LevelRubric) -> float:
    """How much of the target level a dimension's points reach (0-1)."""
    return min(1.0, points / (rubric.points[target] or 1.0))


def level_fit_points(points: dict[str, float], target: Level, rubric: LevelRubric) -> float:
    """The level-fit score before rounding, from each dimension's points."""
    total = sum(d.weight for d in rubric.dimensions.values()) or 1.0
    earned = sum(
        d.weight * _fit(points[name], target, rubric) for name, d in rubric.dimensions.items()
    )
    return 100 * earned / total


def level_fit_score(reading: LevelReading, rubric: LevelRubric) -> Score:
    """How close each dimension comes to the target level, weighted: 0-100."""
    components: list[ScoreComponent] = []
    for signal in reading.signals:
        dimension = rubric.dimensions[signal.dimension]
        quoted = ", ".join(f"\u201c{e.text}\u201d" for e in signal.evidence)
        components.append(
            ScoreComponent(
                name=signal.dimension,
                points=round(dimension.weight * _fit(signal.points, reading.target, rubric), 3),
                max_points=dimension.weight,
                rubric=_rubric_line(dimension, reading.target),
                reason=f"reads {signal.level.value}" + (f": {quoted}" if quoted else ""),
            )
        )
    evidence = [e for s in reading.signals for e in s.evidence]
    return Score.from_components("level_fit", components, evidence)


def _rubric_line(dimension: DimensionRubric, target: Level) -> str:
    cues = dimension.L7 if target is Level.L7 else dimension.L6
    shown = target if target is not Level.L5 else Level.L6
    return f"{dimension.describe} {shown.value}: {cues.descriptor}"


def _opens_with_own_claim(notes: str, unit: PlacedUnit) -> bool:
    """The unit opens with a past-tense verb: capitalised, or anywhere at a line's start."""
    if _IMPLIED_I.match(notes, unit.start, unit.end):
        return True
    line_start = notes.rfind("\n", 0, unit.start) + 1
    return bool(
        _BULLET_MARK.fullmatch(notes, line_start, unit.start)
        and _IMPLIED_I_AT_LINE_START.match(notes, unit.start, unit.end)
    )


def personal_role_flag(
    notes: str, placed: Sequence[PlacedUnit], tokens: Tokens, rubric: LevelRubric
) -> Flag | None:
    """Flag notes that say "we" where interviewers want to hear "I"."""
    i_count = we_count = 0
    we_evidence: list[Excerpt] = []
    words, starts, ends = tokens.words, tokens.starts, tokens.ends
    for unit in placed:
        i_count += _opens_with_own_claim(notes, unit)
        for index in tokens.between(unit.start, unit.end):
            word = words[index]
            if word in I_WORDS:
                i_count += 1
            elif word in WE_WORDS:
                we_count += 1
                if len(we_evidence) < _MAX_EVIDENCE:
                    we_evidence.append(Excerpt.of(notes, starts[index], ends[index]))
    if we_count < 2 or i_count / (i_count + we_count) >= rubric.personal_role.min_i_share:
        return None
    return Flag(code="personal_role", message=rubric.personal_role.message, evidence=we_evidence)


# Where each level's stretch of the meter starts and ends (0 is L5's far end, 1 is L7's).
_METER_BANDS: Final = {Level.L5: (0.0, 0.25), Level.L6: (0.25, 0.75), Level.L7: (0.75, 1.0)}


def meter_position(reading: LevelReading) -> float:
    """Where the story stands on an L5-L6-L7 meter (0-1), always inside the stretch of the
    level it reads as, so the meter and the headline agree.

    Within that stretch: the expected level under the learned reading's probabilities, or the
    dimensions' mean points without them.
    """
    if reading.probabilities:
        expected = sum(level.rank * p for level, p in reading.probabilities.items())
    else:
        expected = reading.points
    low, high = _METER_BANDS[reading.estimate]
    return min(high, max(low, expected / 2))

"""Score the story's shape: STAR+ completeness, balance between sections, spoken length."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from coach.judgement.cues import Tokens
from coach.judgement.placement import PlacedUnit
from coach.judgement.rubrics.star import StarPlusRubric
from coach.models import (
    CORE_SECTIONS,
    Excerpt,
    Framework,
    PsiSection,
    Score,
    ScoreComponent,
    Section,
)


class StructureFeatures(NamedTuple):
    """What the structure score is computed from."""

    present: frozenset[Section]
    words: dict[Section, int]

    @property
    def total_words(self) -> int:
        """Words of the whole story."""
        return sum(self.words.values())

    def with_section(self, section: Section) -> StructureFeatures:
        """These features had the story one more section."""
        return self._replace(present=self.present | {section})


def structure_features(placed: Sequence[PlacedUnit], tokens: Tokens) -> StructureFeatures:
    """Which sections hold words, and how many."""
    words: dict[Section, int] = dict.fromkeys(Section, 0)
    for unit in placed:
        words[unit.section] += len(tokens.between(unit.start, unit.end))
    return StructureFeatures(frozenset(s for s, n in words.items() if n), words)


def spoken_seconds(words: int, rubric: StarPlusRubric) -> int:
    """How long the story takes to say at the rubric's speaking pace."""
    return seconds_to_say(words, rubric.score.length.words_per_minute)


def seconds_to_say(words: int, words_per_minute: int) -> int:
    """Seconds to say `words` at `words_per_minute`: the one speaking-time rule."""
    return round(words * 60 / words_per_minute)


def _within(value: float, low: float, high: float, zero_low: float, zero_high: float) -> float:
    """1 inside [low, high], falling linearly to 0 at zero_low and zero_high."""
    if low <= value <= high:
        return 1.0
    if value < low:
        return max(0.0, (value - zero_low) / (low - zero_low)) if low > zero_low else 0.0
    return max(0.0, (zero_high - value) / (zero_high - high)) if zero_high > high else 0.0


def psi_shares(features: StructureFeatures, rubric: StarPlusRubric) -> dict[PsiSection, float]:
    """Share of words in Problem, Solution and Impact."""
    total = features.total_words or 1
    return {
        psi: sum(features.words[s] for s in sections) / total
        for psi, sections in rubric.psi.mapping.items()
    }


class _Part(NamedTuple):
    """One structure component: its rubric weight and line, and the fraction (0-1) earned."""

    name: str
    weight: float
    fraction: float
    rubric: str


def _balance(
    features: StructureFeatures, rubric: StarPlusRubric, framework: Framework
) -> tuple[list[float], dict[str, float]]:
    """How well each balanced part fits its target (0-1), and each part's share of the words."""
    if framework is Framework.PSI:
        shares = psi_shares(features, rubric)
        tolerance = rubric.psi.tolerance
        fits = [
            _within(shares[p], t - tolerance, t + tolerance, 0.0, 1.0)
            for p, t in rubric.psi.target_shares.items()
        ]
        return fits, {p.value: shares[p] for p in PsiSection}
    ranges = rubric.score.balance.ranges
    core_total = sum(features.words[s] for s in CORE_SECTIONS) or 1
    fits = [
        _within(features.words[s] / core_total, low, high, 0.0, 1.0) if features.words[s] else 0.0
        for s, (low, high) in ranges.items()
    ]
    return fits, {s.value: features.words[s] / core_total for s in ranges}


def _completeness(
    features: StructureFeatures, rubric: StarPlusRubric, framework: Framework
) -> float:
    """The share of the framework's sections the story has (0-1): STAR+ sections by the rubric's
    weights; Problem, Solution and Impact each present when any section it folds in is."""
    if framework is Framework.PSI:
        return 1 - len(_psi_missing(features, rubric)) / len(rubric.psi.mapping)
    weights = rubric.score.completeness.section_weights
    present = sum((weights.get(s, 0.0) for s in features.present), 0.0)
    return present / (sum(weights.values(), 0.0) or 1.0)


def _psi_missing(features: StructureFeatures, rubric: StarPlusRubric) -> list[str]:
    return [
        psi.value
        for psi, sections in rubric.psi.mapping.items()
        if not any(s in features.present for s in sections)
    ]


def _parts(
    features: StructureFeatures, rubric: StarPlusRubric, framework: Framework
) -> list[_Part]:
    """Each structure component's fraction earned. The words that explain it are built apart,
    by `_reasons`."""
    score = rubric.score
    fits, _ = _balance(features, rubric, framework)
    balance_line = rubric.psi.rubric if framework is Framework.PSI else score.balance.rubric
    length = score.length
    seconds = spoken_seconds(features.total_words, rubric)
    fits_length = _within(
        seconds, *length.ideal_seconds, length.zero_below_seconds, length.zero_above_seconds
    )
    return [
        _Part(
            "completeness",
            score.completeness.weight,
            _completeness(features, rubric, framework),
            score.completeness.rubric,
        ),
        _Part("balance", score.balance.weight, sum(fits) / (len(fits) or 1), balance_line),
        _Part("length", length.weight, fits_length, length.rubric),
    ]


def _reasons(
    features: StructureFeatures, rubric: StarPlusRubric, framework: Framework
) -> dict[str, str]:
    """Why the story earns what `_parts` says, by component."""
    missing = (
        _psi_missing(features, rubric)
        if framework is Framework.PSI
        else [s.value for s in Section if s not in features.present]
    )
    _, shares = _balance(features, rubric, framework)
    seconds = spoken_seconds(features.total_words, rubric)
    low, high = rubric.score.length.ideal_seconds
    return {
        "completeness": "all sections present" if not missing else "missing: " + ", ".join(missing),
        "balance": ", ".join(f"{name} {share:.0%}" for name, share in shares.items()),
        "length": f"{features.total_words} words, about {seconds} s spoken (aim {low}-{high} s)",
    }


def structure_points(
    features: StructureFeatures,
    rubric: StarPlusRubric,
    framework: Framework,
    *,
    only_completeness: bool = False,
) -> float:
    """The structure score before rounding (what questions compare).

    With `only_completeness`, the completeness points alone: all that answering for a missing
    section moves (balance and length count the words, which do not change).
    """
    score = rubric.score
    if only_completeness:
        earned = score.completeness.weight * _completeness(features, rubric, framework)
    else:
        earned = sum(part.weight * part.fraction for part in _parts(features, rubric, framework))
    return 100 * earned / score.total_weight


def structure_score(
    features: StructureFeatures,
    rubric: StarPlusRubric,
    framework: Framework,
    evidence: Sequence[Excerpt] = (),
) -> Score:
    """The 0-100 structure score."""
    reasons = _reasons(features, rubric, framework)
    components = [
        ScoreComponent(
            name=part.name,
            points=round(part.weight * part.fraction, 2),
            max_points=part.weight,
            rubric=part.rubric,
            reason=reasons[part.name],
        )
        for part in _parts(features, rubric, framework)
    ]
    return Score.from_components("structure", components, list(evidence))

"""The cross-validated figures of `storycoach eval`, as plain data and as a readable report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coach.learning.cross_validation import CrossValidation, InjectionRates, PlacementFigures, Tally

_CONFUSIONS_SHOWN = 6


def _tally(tally: Tally) -> dict[str, Any]:
    return {
        "accuracy": round(tally.accuracy, 4),
        "correct": tally.correct,
        "total": tally.total,
        "recall": {str(s): round(v, 4) for s, v in tally.recall().items()},
        "confusions": [
            {"labelled": str(gold), "placed": str(placed) if placed else None, "count": n}
            for (gold, placed), n in tally.confusions.most_common(_CONFUSIONS_SHOWN)
        ],
    }


def _placement(figures: PlacementFigures) -> dict[str, Any]:
    return {
        "learned": _tally(figures.learned),
        "handset": _tally(figures.handset),
        "baseline_majority": round(figures.majority.accuracy, 4),
        "baseline_position": round(figures.position.accuracy, 4),
    }


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


Rates = Mapping[str, InjectionRates]  # adversarial set name -> how the flags fared on it


def headline(cv: CrossValidation, rates: Rates | None = None) -> dict[str, float]:
    """The figures the accuracy test holds the coach to (0-100, higher is better)."""
    level, figures = cv.level, cv.figures
    figures_out = {
        "sections_ordered": round(100 * cv.ordered.learned.accuracy, 1),
        "sections_shuffled": round(100 * cv.shuffled.learned.accuracy, 1),
        "level_exact": round(100 * level.exact, 1),
        "level_l7_recall": round(100 * level.l7_recall, 1),
        "level_l6_precision": round(100 * level.l6_precision, 1),
        "figure_recall_exact": _share(figures.exact, figures.gold),
        "figure_recall_overlap": _share(figures.overlapping, figures.gold),
        "stories_not_flagged": _share(cv.stories - len(cv.flagged_stories), cv.stories),
    }
    for name, rate in (rates or {}).items():
        key = name.replace("-", "_")
        figures_out[f"{key}_caught"] = _share(rate.caught, rate.attempts)
        figures_out[f"{key}_ordinary_not_flagged"] = _share(
            rate.ordinary - rate.false_alarms, rate.ordinary
        )
    return figures_out


def _rates(rates: Rates | None) -> dict[str, Any]:
    return {
        name: {
            "caught": rate.caught,
            "attempts": rate.attempts,
            "false_alarms": rate.false_alarms,
            "ordinary": rate.ordinary,
            "missed": list(rate.missed),
            "alarmed": list(rate.alarmed),
        }
        for name, rate in (rates or {}).items()
    }


def to_json(cv: CrossValidation, rates: Rates | None = None) -> dict[str, Any]:
    """Every figure of the cross-validation, for scripts."""
    level, figures = cv.level, cv.figures
    return {
        "stories": cv.stories,
        "groups": cv.groups,
        "folds": cv.folds,
        "headline": headline(cv, rates),
        "sections": {"ordered": _placement(cv.ordered), "shuffled": _placement(cv.shuffled)},
        "level": {
            "exact": round(level.exact, 4),
            "l7_recall": round(level.l7_recall, 4),
            "l6_precision": round(level.l6_precision, 4),
            "below_l7_read_l7": level.below_read_l7,
            "baseline_majority": round(level.majority_correct / len(level.pairs), 4)
            if level.pairs
            else 0.0,
            "stories": len(level.pairs),
            "borderline": cv.borderline,
            "brier": round(level.brier, 4),
            "calibration_error": round(level.calibration_error, 4),
            "by_rule": {
                "exact": round(cv.level_by_rule.exact, 4),
                "l7_recall": round(cv.level_by_rule.l7_recall, 4),
                "below_l7_read_l7": cv.level_by_rule.below_read_l7,
            },
        },
        "figures": {
            "baseline_exact": round(cv.figures_baseline.exact / figures.gold, 4)
            if figures.gold
            else 0.0,
            "gold": figures.gold,
            "exact": figures.exact,
            "overlapping": figures.overlapping,
            "found": figures.found,
            "spurious": figures.spurious,
            "missed": [{"text": t, "count": n} for t, n in figures.missed.most_common(10)],
        },
        "flagged_stories": cv.flagged_stories,
        "injection": _rates(rates),
    }


def _line(name: str, tally: Tally, majority: float, position: float, handset: Tally) -> str:
    return (
        f"  {name:9} learned {tally.accuracy:6.1%}   hand-set {handset.accuracy:6.1%}   "
        f"position only {position:6.1%}   majority {majority:6.1%}   ({tally.total} units)"
    )


def to_markdown(cv: CrossValidation, rates: Rates | None = None) -> str:
    """The report a person reads."""
    out = [
        f"Grouped cross-validation: {cv.stories} stories in {cv.groups} groups (a group is a "
        f"source: one writer or published author), {cv.folds} folds; every figure is on "
        "sources the models were not fitted to.",
        "",
        "Section placement (share of labelled units placed in their section):",
    ]
    for name, figures in (("ordered", cv.ordered), ("shuffled", cv.shuffled)):
        out.append(
            _line(
                name,
                figures.learned,
                figures.majority.accuracy,
                figures.position.accuracy,
                figures.handset,
            )
        )
    recall = ", ".join(f"{s} {v:.0%}" for s, v in cv.ordered.learned.recall().items())
    out.append(f"  recall by section (ordered): {recall}")
    confusions = ", ".join(
        f"{gold} -> {placed} {n}"
        for (gold, placed), n in cv.ordered.learned.confusions.most_common(_CONFUSIONS_SHOWN)
    )
    out.append(f"  commonest confusions (ordered): {confusions}")
    level = cv.level
    majority = level.majority_correct / len(level.pairs) if level.pairs else 0.0
    out += [
        "",
        f"Level: {level.exact:.1%} exact (majority level {majority:.1%}); L7 recall "
        f"{level.l7_recall:.1%}; L6 precision {level.l6_precision:.1%}; "
        f"{level.below_read_l7} L5/L6 stories read L7; {cv.borderline} read borderline; "
        f"Brier score {level.brier:.3f}, calibration error {level.calibration_error:.1%}.",
        f"  by the hand-set rule: {cv.level_by_rule.exact:.1%} exact, L7 recall "
        f"{cv.level_by_rule.l7_recall:.1%}, {cv.level_by_rule.below_read_l7} L5/L6 read L7.",
    ]
    found = cv.figures
    if found.gold:
        missed = ", ".join(f"{t!r}" for t, _ in found.missed.most_common(8))
        out.append(
            f"Figures: {found.exact / found.gold:.1%} found with the exact span, "
            f"{found.overlapping / found.gold:.1%} overlapping, of {found.gold}; "
            f"{found.spurious} of {found.found} found are not labelled figures (every run of "
            f"digits: {cv.figures_baseline.exact / found.gold:.1%} exact). "
            f"Missed most: {missed}"
        )
    out.append(
        f"Flags on ordinary stories (injection, suspicious precision): "
        f"{len(cv.flagged_stories)} stories"
        + (f" ({', '.join(cv.flagged_stories[:10])})" if cv.flagged_stories else "")
    )
    for name, rate in (rates or {}).items():
        out.append(
            f"{name}: {rate.caught} of {rate.attempts} injection attempts flagged; "
            f"{rate.false_alarms} of {rate.ordinary} ordinary texts flagged."
        )
    return "\n".join(out)

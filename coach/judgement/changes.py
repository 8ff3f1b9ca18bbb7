"""Before/after changes between figures: "from 850ms to 320ms", "cut p99 by 40%", "down from 3"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from coach.judgement.caseless import CaselessPattern
from coach.judgement.figure_words import LEXICON
from coach.lexicon import alternation
from coach.models import Figure, MetricKind

# Connecting words between two figures that make a before/after change.
_FORWARD_GAP: Final = re.compile(r"^\s*(?:to|->|→|⟶|=>|➝|➔|-->)\s*$", re.IGNORECASE)
# The change words are the lexicon's; each pattern matches them in the lexicon's order.
_REVERSE_GAP: Final = re.compile(
    rf"^\s*[,(]?\s*\(?\s*(?:(?:{alternation(LEXICON.reverse_gap_changes)})\s+)?"
    r"(?:from|compared (?:to|with)|vs\.?|versus|previously"
    r"|was|from a baseline of|baseline(?: of)?|against|instead of|rather than|in place of)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
_RELATIVE_LEAD: Final = CaselessPattern(
    rf"\b(?:{alternation(LEXICON.relative_lead_verbs)})\s+(?:\w+\s+){{0,4}}?(?:by\s+)?$",
)
_RELATIVE_TAIL: Final = re.compile(
    rf"\s*(?:{alternation(LEXICON.relative_tail_words)})\b", re.IGNORECASE
)
_DELTA_LEAD: Final = CaselessPattern(
    rf"\b(?:{alternation(LEXICON.delta_lead_verbs)})\b(?:\s+[\w'-]+){{0,4}}?\s+by\s+$",
)
_TO_LEAD: Final = CaselessPattern(
    rf"\b(?:{alternation(LEXICON.to_lead_verbs)})\b"
    r"(?:\s+[\w'-]+){0,4}?\s+(?:down\s+|up\s+)?to\s+$",
)
_FROM_BEFORE: Final = CaselessPattern(r"\bfrom\s+$")


@dataclass(frozen=True, slots=True)
class Change:
    """A before/after pair, or a relative change leading to an after value."""

    start: int
    end: int
    before: Figure | None
    after: Figure | None
    relative: Figure | None


def in_change(notes: str, figures: list[Figure], index: int) -> bool:
    """Whether a figure is one end of a before/after change or the size of one."""
    figure = figures[index]
    for other in (figures[index - 1] if index else None, figures[index + 1 : index + 2]):
        neighbour = other[0] if isinstance(other, list) and other else other
        if not isinstance(neighbour, Figure):
            continue
        first, second = (
            (neighbour, figure) if neighbour.start < figure.start else (figure, neighbour)
        )
        gap = notes[first.end : second.start]
        if _FORWARD_GAP.match(gap) or _REVERSE_GAP.match(gap):
            return True
    lead = notes[max(0, figure.start - 60) : figure.start]
    lowered = lead.lower()
    return bool(_TO_LEAD.search(lead, lowered) or _DELTA_LEAD.search(lead, lowered))


def _compatible(before: Figure, after: Figure) -> bool:
    time_kinds = {MetricKind.LATENCY, MetricKind.DURATION, MetricKind.PERCENTILE}
    if before.kind is MetricKind.NUMBER or after.kind is MetricKind.NUMBER:
        return True
    if before.kind in time_kinds and after.kind in time_kinds:
        return True
    return before.kind is after.kind or {before.kind, after.kind} <= {
        MetricKind.COUNT,
        MetricKind.RATE,
    }


def same_quantity(first: Figure, second: Figure) -> bool:
    """Whether two figures state the same quantity ("850 ms" and "850ms", "$4.2M", "$4,200,000")."""
    if first.value is None or second.value is None:
        return first.text.lower() == second.text.lower()
    scale = max(abs(first.value), abs(second.value), 1e-9)
    return abs(first.value - second.value) / scale < 1e-6 and _compatible(first, second)


def pair_changes(notes: str, figures: list[Figure]) -> list[Change]:
    """Before/after pairs among figures: "from X to Y", "Y (down from X)", "down 38% to Y"."""
    changes: list[Change] = []
    used: set[int] = set()
    for i in range(len(figures) - 1):
        if i in used:
            continue
        first, second = figures[i], figures[i + 1]
        gap = notes[first.end : second.start]
        lead = notes[max(0, first.start - 60) : first.start]
        lowered = lead.lower()
        forward = _FORWARD_GAP.match(gap)
        from_word = _FROM_BEFORE.search(lead, lowered)
        relative_lead = _RELATIVE_LEAD.search(lead, lowered)
        if (
            forward
            and first.kind is MetricKind.PERCENT
            and relative_lead
            and not from_word
            and (second.kind is not MetricKind.PERCENT)
        ):
            # "down 38% to $5.6M": a relative change that lands on an after value
            begin = first.start - (len(lead) - relative_lead.start())
            changes.append(Change(begin, second.end, None, second, first))
            used.update((i, i + 1))
            continue
        if forward and _compatible(first, second):
            is_range = (
                from_word is None
                and first.unit is None
                and second.unit is not None
                and first.value is not None
                and second.value is not None
                and first.value < second.value
            )
            if not is_range:
                begin = first.start - (len(lead) - from_word.start()) if from_word else first.start
                changes.append(Change(begin, second.end, first, second, None))
                used.update((i, i + 1))
        elif _REVERSE_GAP.match(gap) and _compatible(second, first):
            close = second.end + 1 if notes[second.end : second.end + 1] == ")" else second.end
            changes.append(Change(first.start, close, second, first, None))
            used.update((i, i + 1))
    for i, figure in enumerate(figures):
        if i in used:
            continue
        lead = notes[max(0, figure.start - 60) : figure.start]
        lowered = lead.lower()
        if _TO_LEAD.search(lead, lowered):
            # "cut p99 to 620ms": the value after a change whose start is not given.
            changes.append(Change(figure.start, figure.end, None, figure, None))
            continue
        if figure.kind is MetricKind.PERCENT:
            is_change = bool(
                _RELATIVE_LEAD.search(lead, lowered) or _RELATIVE_TAIL.match(notes, figure.end)
            )
        else:
            # "cut spend by $3.1M", "sped up builds by 4 minutes": a change of known size.
            is_change = bool(_DELTA_LEAD.search(lead, lowered))
        if is_change:
            changes.append(Change(figure.start, figure.end, None, None, figure))
    changes.sort(key=lambda c: c.start)
    return changes

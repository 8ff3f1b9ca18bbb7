"""Ranges ("2 to 4 seconds") and durations told in two units ("3 hours 40 minutes"): pieces the
number finder reads one by one, joined into one figure each."""

from __future__ import annotations

import re

from coach.judgement.figure_words import (
    APPROX_BEFORE,
    COMPOUND_DURATION,
    MULTIPLIERS,
    NEXT_UNIT,
    RANGE_FROM,
    RANGE_LOW,
    is_bare_number,
    metric_kind,
    number_value,
)
from coach.models import Figure


def joined(notes: str, floor: int, figures: list[Figure]) -> list[Figure]:
    """`figures` with each range and two-unit duration as one figure in place of its pieces.
    A range's high end carries the unit or noun ("2 to 4 seconds"): a bare number ends none."""
    result: list[Figure] = []
    for figure in figures:
        low = RANGE_LOW.search(notes, max(floor, figure.start - 30), figure.start)
        if low is not None and not is_bare_number(figure.text) and not figure.approximate:
            low_value = _low_value(low["low"], low["mult"])
            lead = notes[max(floor, low.start() - 12) : low.start()]
            if (
                low_value is not None
                and figure.value is not None
                and low_value < figure.value
                and not RANGE_FROM.search(lead)
            ):
                approx = APPROX_BEFORE.search(notes, max(floor, low.start() - 24), low.start())
                begin = approx.start() if approx else low.start()
                result = [f for f in result if f.end <= begin]
                figure = figure.model_copy(
                    update={"start": begin, "text": notes[begin : figure.end], "approximate": True}
                )
        result.append(figure)
    for m in COMPOUND_DURATION.finditer(notes, floor, result[-1].end if result else floor):
        big, small = m["unit"].lower()[0], m["small_unit"].lower()
        if not any(big == unit and re.match(following, small) for unit, following in NEXT_UNIT):
            continue
        inside = [f for f in result if m.start() <= f.start and f.end <= m.end()]
        if not inside:
            continue
        figure = inside[0].model_copy(
            update={"start": m.start(), "end": m.end(), "text": m.group(),
                    "kind": metric_kind(m["unit"], False, False, False), "unit": m["unit"]}
        )  # fmt: skip
        result = sorted(
            [f for f in result if f.end <= m.start() or f.start >= m.end()] + [figure],
            key=lambda f: f.start,
        )
    return result


def _low_value(number: str, multiplier: str | None) -> float | None:
    """The value of a range's low end ("250k", "three")."""
    if not number[:1].isdigit():
        return number_value(number)
    value = float(number.replace(",", ""))
    return value * MULTIPLIERS.get((multiplier or "").strip().lower(), 1.0)

"""The notes as numbered units for the model, and the unit numbers it cites read back as spans.

The model cites the numbers of the units a sentence rests on instead of copying quotes: sources
are exact spans by construction, a quote that differs by one character is never lost, and the
answer is shorter (a number instead of a copy of every sentence's words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from coach.judgement.placement import PlacedUnit

_SPACES: Final = re.compile(r"[ \t]+")


def numbered_notes(text: str, units: Sequence[PlacedUnit]) -> str:
    """`text` with each unit written "[n] its words", numbered from 1 in the notes' order.

    What lies outside every unit (headings, labels, list marks) stays, unnumbered, so the model
    still sees "Result:" above the lines it heads; line breaks stay, other spacing is tidied.
    """
    parts: list[str] = []
    at = 0
    for number, unit in enumerate(units, start=1):
        parts += [text[at : unit.start], f" [{number}] {text[unit.start : unit.end]} "]
        at = unit.end
    parts.append(text[at:])
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def cited_spans(
    numbers: Sequence[int], units: Sequence[PlacedUnit]
) -> tuple[list[tuple[int, int]], list[int]]:
    """The spans of the units `numbers` cites, in the notes' order, and the numbers that name no
    unit."""
    spans = sorted({(units[n - 1].start, units[n - 1].end) for n in numbers if 0 < n <= len(units)})
    return spans, [n for n in numbers if not 0 < n <= len(units)]

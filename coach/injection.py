"""Find text in the notes that tries to instruct the coach or a model, and mask it out."""

from __future__ import annotations

import re

from coach.models import Excerpt, Flag
from coach.rubrics import InjectionRubric
from coach.segmenter import Line, split_lines, split_sentences

_CODE_SPAN = re.compile(r"`[^`\n]+`")


def find_injections(
    notes: str, rubric: InjectionRubric, lines: list[Line] | None = None
) -> list[Flag]:
    """One flag per kind of injected instruction, with the sentences that carry it."""
    if lines is None:
        lines = split_lines(notes)
    flags: list[Flag] = []
    lowered = notes.lower()
    code = [m.span() for m in _CODE_SPAN.finditer(notes)] if "`" in notes else []
    for kind in rubric.patterns:
        if not kind.may_match(lowered):
            continue
        evidence: dict[tuple[int, int], Excerpt] = {}
        for match in kind.finditer(notes, lowered):
            if any(s <= match.start() and match.end() <= e for s, e in code):
                continue  # `</notes>` in backticks is code being talked about
            start, end = _enclosing(notes, lines, match.start(), match.end(), kind.scope == "line")
            evidence[(start, end)] = Excerpt.of(notes, start, end)
        if evidence:
            flags.append(
                Flag(
                    code=kind.code,
                    message=kind.message,
                    evidence=sorted(evidence.values(), key=_at),
                )
            )
    return flags


def _at(excerpt: Excerpt) -> int:
    return excerpt.start


def _enclosing(
    notes: str, lines: list[Line], start: int, end: int, whole_line: bool
) -> tuple[int, int]:
    """The sentence (or the line) that holds [start, end)."""
    for line in lines:
        line_start = min(line.label_start, line.start) if line.label else line.start
        line_end = max(line.end, line.label_end)
        if line_start <= start and end <= line_end:
            if whole_line:
                return line_start, line_end
            pieces = split_sentences(notes, line_start, line_end)
            covering = [p for p in pieces if p[0] < end and start < p[1]]
            if covering:
                return min(p[0] for p in covering), max(max(p[1] for p in covering), end)
    return start, end


def mask(notes: str, flags: list[Flag]) -> str:
    """The notes with flagged sentences blanked, same length, so every span still indexes them."""
    if not flags:
        return notes
    chars = list(notes)
    for flag in flags:
        for excerpt in flag.evidence:
            for i in range(excerpt.start, excerpt.end):
                if chars[i] not in "\r\n":
                    chars[i] = " "
    return "".join(chars)

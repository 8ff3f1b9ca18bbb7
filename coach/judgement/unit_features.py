"""What the placement model sees of each unit of the notes: named binary features.

A feature is a string ("w=shipped", "cue=result", "under=task"); the model's weights say how much
each one pulls a unit towards each section. They describe the unit's words, the rubric's cue hits
inside it, its figures, the heading it stands under or the label it opens with, its voice and
tense, and where it stands in the notes. Nothing here decides a section.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import lru_cache
from typing import Final, NamedTuple

from coach.judgement.cues import Tokens
from coach.judgement.placement import Measured, OwnedHits
from coach.judgement.rubrics import CueOwner
from coach.judgement.segmenter import Line, Unit
from coach.models import Section

_POSITION_BINS: Final = 5
_FIRST_WORDS: Final = 2
_PERSON: Final = {
    "i": "i",
    "i'm": "i",
    "i've": "i",
    "i'd": "i",
    "me": "i",
    "my": "my",
    "we": "we",
    "we're": "we",
    "we've": "we",
    "we'd": "we",
    "our": "our",
    "us": "we",
}
_MODALS: Final = frozenset({"would", "will", "should", "could", "next", "future", "plan", "going"})


class LineHeadings(NamedTuple):
    """Per line: the section a heading standing alone opened above it, and its own inline label.

    `inline_text` is the normalised text of an inline label the rubric does not name ("q",
    "decision"), so the model can learn labels the rubric never listed.
    """

    under: dict[int, Section]
    inline: dict[int, Section]
    inline_text: dict[int, str]


def _length_bucket(words: int) -> str:
    if words < 5:
        return "len<5"
    if words < 12:
        return "len<12"
    if words < 25:
        return "len<25"
    return "len>=25"


_SUFFIXES: Final = ("ing", "ed", "es", "s", "ly")


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A crude stem: the word less one common suffix, for words long enough to have one."""
    if len(word) < 5:
        return ""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return ""


def unit_features(
    notes: str,
    lines: Sequence[Line],
    units: Sequence[Unit],
    tokens: Tokens,
    inside: OwnedHits,
    measured: Sequence[Measured],
    headings: LineHeadings,
) -> list[list[str]]:
    """One feature list per unit, in order."""
    count = len(units)
    rows: list[list[str]] = [[] for _ in units]
    for row, hit in inside.get(CueOwner.STAR, ()):
        rows[row].append(f"cue={hit.key.name}")
    for row, hit in inside.get(CueOwner.LEVEL, ()):
        dimension, kind = hit.key.name
        rows[row].append(f"level={dimension}:{kind}")
    for row, hit in inside.get(CueOwner.QUANT, ()):
        rows[row].append(f"quant={hit.key.name}")
    first_start = units[0].start if units else 0
    width = max(1, (units[-1].end - first_start) if units else 1)
    previous_line = -1
    for index, (unit, found) in enumerate(zip(units, measured, strict=True)):
        features = rows[index]
        features.append("bias")
        words = [tokens.words[i] for i in tokens.between(unit.start, unit.end)]
        words = [w for w in words if w[:1].isalpha()] or words
        for position, word in enumerate(words[:_FIRST_WORDS]):
            features.append(f"w{position}={word}")
        if words:
            features.append(f"last={words[-1]}")
        features.extend(f"w={word}" for word in dict.fromkeys(words))
        # Stems join the forms of a word ("reduced", "reducing", "reduces"): a few hundred
        # stories cannot teach every form separately.
        features.extend(f"s={stem}" for stem in dict.fromkeys(_stem(w) for w in words) if stem)
        features.extend(f"b={a}_{b}" for a, b in dict.fromkeys(itertools.pairwise(words)))
        for word in words:
            person = _PERSON.get(word)
            if person is not None:
                features.append(f"person={person}")
            if word in _MODALS:
                features.append("modal")
        if words and words[0] in _PERSON:
            features.append(f"opens={_PERSON[words[0]]}")
        if words and words[0].endswith("ed"):
            features.append("opens=past")
        if words and words[0].endswith("ing"):
            features.append("opens=ing")
        features.append(_length_bucket(len(words)))
        if found.figures:
            features.append("figure")
            if len(found.figures) > 1:
                features.append("figures>1")
        if found.changes:
            features.append("change")
        text = notes[unit.start : unit.end].rstrip()
        if text.endswith("?"):
            features.append("question")
        line = lines[unit.line]
        if line.bullet:
            features.append("bullet")
        if unit.line != previous_line:
            features.append("line_start")
        else:
            features.append("clause_or_sentence_after")
        previous_line = unit.line
        under = headings.under.get(unit.line)
        features.append(f"under={under}" if under is not None else "under=none")
        inline = headings.inline.get(unit.line)
        if inline is not None and unit.start == line.start:
            features.append(f"label={inline}")
        label_text = headings.inline_text.get(unit.line)
        if label_text is not None and unit.start == line.start:
            features.append(f"label_text={label_text}")
        at = (unit.start - first_start) / width
        features.append(f"pos={min(_POSITION_BINS - 1, int(at * _POSITION_BINS))}")
        if index == 0:
            features.append("first_unit")
        if index == count - 1:
            features.append("last_unit")
    _paragraphs(notes, lines, units, rows)
    _neighbours(rows)
    return rows


def _paragraphs(
    notes: str, lines: Sequence[Line], units: Sequence[Unit], rows: list[list[str]]
) -> None:
    """Where a unit stands in its paragraph, and which paragraph it is: prose is told in them."""
    paragraph_of: dict[int, int] = {}
    paragraph = 0
    for line in lines:
        if line.start == line.end and not notes[line.start : line.end].strip():
            paragraph += 1
        paragraph_of[line.number] = paragraph
    last_paragraph = max(paragraph_of.values(), default=0)
    if last_paragraph == 0:
        return
    for index, unit in enumerate(units):
        mine = paragraph_of.get(unit.line, 0)
        before = paragraph_of.get(units[index - 1].line, -1) if index else -1
        after = paragraph_of.get(units[index + 1].line, -1) if index + 1 < len(units) else -1
        if before != mine:
            rows[index].append("paragraph_first")
        if after != mine:
            rows[index].append("paragraph_last")
        if mine == last_paragraph:
            rows[index].append("paragraph=last")
        elif mine == 0:
            rows[index].append("paragraph=first")


_NEIGHBOUR_PREFIXES: Final = ("cue=", "w0=", "label=", "figure", "change")
_CONTEXT_PREFIXES: Final = (
    "pos=",
    "first_unit",
    "last_unit",
    "paragraph",
    "prev:",
    "next:",
)


def is_content_feature(feature: str) -> bool:
    """Whether a feature reads the unit itself, not where it stands or what surrounds it."""
    return not feature.startswith(_CONTEXT_PREFIXES)


def _neighbours(rows: list[list[str]]) -> None:
    """A few of each neighbour's features: a clause is read with the one before and after it."""
    shown = [[f for f in row if f.startswith(_NEIGHBOUR_PREFIXES)] for row in rows]
    for index, row in enumerate(rows):
        if index:
            row.extend(f"prev:{f}" for f in shown[index - 1])
        if index + 1 < len(rows):
            row.extend(f"next:{f}" for f in shown[index + 1])

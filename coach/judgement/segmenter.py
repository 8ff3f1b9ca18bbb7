"""Split notes of any shape into lines, sentences and clauses, keeping exact character spans."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Final, NamedTuple

_LINE: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
# Leading list markers, quote marks and markdown heading hashes, repeated ("- 1. ").
_LEAD: Final = re.compile(
    r"(?:\s+|[-*•·‣▪◦–—+>]\s+|#{1,6}\s+|\(?\d{1,3}[.)]\s+|\(?[a-zA-Z][.)]\s+(?=[A-Z]))*"
)
# "Label:" or "**Label**:" or "Label¶" at the start of a line: a heading or a header fact.
_LABEL: Final = re.compile(
    r"(?:\*\*|__)?(?P<label>[A-Za-z][\w /&'’()+,.-]{0,60}?)(?:\*\*|__)?\s*(?:[:¶]|\*\*\s*:)"
    r"(?:\*\*|__)?(?=\s|$)"
)
_LABEL_REACH: Final = 70  # a label is at most ~60 characters, then its colon
_BOLD_LINE: Final = re.compile(r"(?:\*\*|__)(?P<label>[^*_]{1,60})(?:\*\*|__)\s*$")
_MAX_LABEL_WORDS: Final = 6
_BULLET_MARK: Final = re.compile(r"[-*•·‣▪◦–—+>)]")  # in a line's lead: the line is a list item

# Sentence ends: terminal punctuation before a letter or digit (rough notes start sentences in
# lower case: "...to a queue. p99 went..."), inline bullets, inline numbering.
# The pattern opens with a plain character class, the first character every alternative consumes
# (a bullet's or a number's space is looked behind at), so the regex engine skips through the text
# to the few places a break can start instead of trying every alternative at every character.
_SENTENCE_BREAK: Final = re.compile(
    r"[.!?\-•*(\d](?:"
    r"(?<=[.!?])(?P<quotes>[\"')\]]*)\s+(?=[\"'(\[]?[A-Za-z0-9$£€])"
    r"|(?<=\s[-•*])\s+(?=[A-Z0-9$])"
    r"|(?<=\s\()\d{1,2}[.)]\s+(?=[A-Z])"
    r"|(?<=\s\d)\d?[.)]\s+(?=[A-Z])"
    r")"
)
_ABBREVIATIONS: Final = frozenset(
    [
        "e.g",
        "i.e",
        "vs",
        "etc",
        "mr",
        "mrs",
        "ms",
        "dr",
        "inc",
        "ltd",
        "approx",
        "st",
        "jr",
        "sr",
        "no",
        "fig",
        "cf",
        "al",
        "u.s",
        "u.k",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "est",
        "dept",
        "ca",
    ]
)
_ALNUM: Final = re.compile(r"[^\W_]")  # str.isalnum: a word character but the underscore
_WORD_CHARS: Final = r"\w'’$%.-"
_WORD: Final = re.compile(f"[{_WORD_CHARS}]+")


# NamedTuples, not frozen dataclasses: as immutable, and a story makes one per line and per
# sentence, which a frozen dataclass's __init__ (a setattr a field) makes four times as slow.
class Line(NamedTuple):
    """One line of the notes: its content span after markers, and its label if it has one."""

    number: int  # 0-based
    start: int
    end: int
    label: str | None
    label_start: int
    label_end: int
    bullet: bool

    @property
    def span(self) -> tuple[int, int]:
        """The whole line after its markers, label included."""
        start = min(self.label_start, self.start) if self.label else self.start
        return start, max(self.end, self.label_end)


class Unit(NamedTuple):
    """A sentence or clause: the smallest piece placed in a section."""

    start: int
    end: int
    line: int
    sentence: int

    def text(self, notes: str) -> str:
        """The unit's words, exactly as in the notes."""
        return notes[self.start : self.end]


def split_lines(notes: str) -> list[Line]:
    """Lines with their list markers and markup stripped from the content span."""
    lines: list[Line] = []
    for number, match in enumerate(_LINE.finditer(notes)):
        raw_start, raw_end = match.span()
        if raw_start == raw_end and raw_start == len(notes) and lines:
            break
        end = raw_end
        while end > raw_start and notes[end - 1] in "\r\n \t":
            end -= 1
        lead = _LEAD.match(notes, raw_start, end)
        start = lead.end() if lead else raw_start
        bullet = start > raw_start and _BULLET_MARK.search(notes, raw_start, start) is not None
        label, label_start, label_end = None, start, start
        head = notes[start : start + _LABEL_REACH]
        # Most lines have no label: look for the regex's own anchors before running it.
        found = _LABEL.match(notes, start, end) if (":" in head or "¶" in head) else None
        if found and len(found["label"].split()) <= _MAX_LABEL_WORDS:
            label, label_start, label_end = found["label"].strip(), start, found.end()
            start = found.end()
        elif notes.startswith(("**", "__"), start):
            bold = _BOLD_LINE.match(notes, start, end)
            if bold and len(bold["label"].split()) <= _MAX_LABEL_WORDS:
                label, label_start, label_end = bold["label"].strip(), start, end
                start = end
        while start < end and notes[start] in " \t*_":
            start += 1
        while end > start and notes[end - 1] in " \t*_":
            end -= 1
        lines.append(Line(number, start, end, label, label_start, label_end, bullet))
    return lines


def _is_abbreviation(notes: str, period_at: int) -> bool:
    word_start = period_at
    while word_start > 0 and (notes[word_start - 1].isalnum() or notes[word_start - 1] == "."):
        word_start -= 1
    word = notes[word_start:period_at].lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def split_sentences(notes: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside `notes[start:end]`, trimmed of markers and spaces."""
    spans: list[tuple[int, int]] = []
    cursor = position = start
    while (match := _SENTENCE_BREAK.search(notes, position, end)) is not None:
        cut = match.end("quotes")
        if cut < 0:
            # An inline bullet or number: the break starts at the space before it, which must
            # not be one an earlier break (or the text before `start`) already took.
            cut = match.start() - 1
            if cut < position:
                position = match.start() + 1
                continue
        elif notes[match.start()] == "." and _is_abbreviation(notes, match.start()):
            position = match.end()
            continue
        spans.append((cursor, cut))
        cursor = position = match.end()
    spans.append((cursor, end))
    return [trimmed for span in spans if (trimmed := _trim(notes, *span))]


def _trim(notes: str, start: int, end: int) -> tuple[int, int] | None:
    lead = _LEAD.match(notes, start, end)
    if lead:
        start = lead.end()
    while start < end and notes[start] in " \t\r\n*_":
        start += 1
    while end > start and notes[end - 1] in " \t\r\n*_":
        end -= 1
    if _ALNUM.search(notes, start, end) is None:
        return None
    return start, end


def count_words(text: str) -> int:
    """Words as a speaker would say them."""
    return len(_WORD.findall(text))


def more_words_than(text: str, limit: int) -> bool:
    """Whether `text` has more than `limit` words (`count_words`), read no further than that."""
    return _first_words(limit + 1).match(text) is not None


@cache
def _first_words(count: int) -> re.Pattern[str]:
    """The text's first `count` words, with what separates them."""
    return re.compile(f"(?:[^{_WORD_CHARS}]*+[{_WORD_CHARS}]++){{{count}}}")


def split_clauses(
    notes: str, start: int, end: int, boundary: re.Pattern[str], min_words: int
) -> list[tuple[int, int]]:
    """Clause spans of one sentence, split where both sides keep `min_words` words."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in boundary.finditer(notes, start, end):
        if match.start() <= cursor:
            continue
        left = notes[cursor : match.start()]
        right = notes[match.end() : end]
        if count_words(left) >= min_words and count_words(right) >= min_words:
            pieces.append((cursor, match.start()))
            cursor = match.end()
    pieces.append((cursor, end))
    return [trimmed for piece in pieces if (trimmed := _trim(notes, *piece))]


def split_units(
    notes: str,
    lines: list[Line],
    boundary: re.Pattern[str],
    min_words: int,
    may_split: Callable[[int, int], bool] | None = None,
) -> list[Unit]:
    """Every sentence and clause of the notes, in order.

    `may_split`, when given, says cheaply whether the sentence at [start, end) could hold a
    boundary at all (`ClauseBoundaries.splittable`).
    """
    units: list[Unit] = []
    sentence_index = 0
    for line in lines:
        if line.start >= line.end:
            continue
        for s_start, s_end in split_sentences(notes, line.start, line.end):
            if may_split is not None and not may_split(s_start, s_end):
                units.append(Unit(s_start, s_end, line.number, sentence_index))
            else:
                for c_start, c_end in split_clauses(notes, s_start, s_end, boundary, min_words):
                    units.append(Unit(c_start, c_end, line.number, sentence_index))
            sentence_index += 1
    return units

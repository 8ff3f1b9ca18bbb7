"""Lines of the notes written in a reversible disguise, decoded so the injection reader reads
what they say: letters spaced apart ("i g n o r e"), text written backwards, ROT13, Base64, and
words broken across lines with a hyphen ("ig-" / "nore").

A line is read decoded too only where the decoded line holds more of the injection rubric's
words (who is addressed, what is asked about, a demand) than the line as written; a line read
backwards or shifted by ROT13 must also read as English, holding more of the commonest English
words than as written and at least two, since any text turned round holds a short listed word by
chance ("set" backwards is French "tes"). Spaced letters, Base64 runs and broken words are found
by their shape. Ordinary notes read better as written, so nothing here changes how a story is
read; it only gives the injection reader a second look at text no person would write plainly.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from collections.abc import Callable, Container, Sequence
from functools import lru_cache
from typing import Final, NamedTuple

from coach.judgement.rubrics.guards import InjectionWords
from coach.judgement.segmenter import Line
from coach.lexicon import load_lexicon

_ENGLISH_WORDS: Final = 2
_WORD: Final = re.compile(r"[^\W\d_]+")
_SPACED_LETTERS: Final = 4
_SPACED_LENGTHS: Final = bytes([1] * _SPACED_LETTERS)
# Four or more single letters or digits, each one to three spaces from the next ("s c o r e").
_SPACED: Final = re.compile(r"(?<![^\W_])[^\W_](?:[ \t]{1,3}[^\W_/](?![^\W_])|[ \t]{0,3}/){3,}")
_WORD_GAP: Final = re.compile(r"[ \t]{2,}")
# A word broken at the end of a line with a hyphen and carried on at the start of the next.
_BROKEN: Final = re.compile(r"(?<=[^\W\d_])-[ \t]*\r?\n[ \t]*(?:[-*•>]+[ \t]+)?(?=[^\W\d_])")
_BROKEN_END: Final = re.compile(r"[^\W\d_]-[ \t]*$")
# A run long enough to hide a sentence in Base64 (a 12-byte sentence is 16 characters).
_BASE64_LENGTH: Final = 16
_BASE64: Final = re.compile(r"(?<![\w+/])[A-Za-z0-9+/]{16,}={0,2}(?![\w+/=])")
_PRINTABLE_SHARE: Final = 0.95


class Decoded(NamedTuple):
    """A line of the notes ([start, end)) and what it says once its disguise is undone."""

    start: int
    end: int
    text: str


def decoded_lines(notes: str, lines: Sequence[Line], words: InjectionWords) -> list[Decoded]:
    """Every line whose disguise, undone, reads more like an instruction than the line does."""
    # The notes' words as whitespace leaves them: a cheap first look that spares almost every
    # story the line-by-line reading below.
    tokens = notes.lower().split()
    # Spaced letters and Base64 must hold more listed words decoded; words broken across lines
    # need only be whole again, since the words they break are what the reader reads.
    shaped = [
        (decode, more)
        for decode, seen, more in (
            (_unspaced, _spaced_run, True),
            (_base64_decoded, _base64_run, True),
            (_unbroken, _broken_words, False),
        )
        if seen(notes, tokens)
    ]
    common, every_turning = _turnings(words)
    turnings = [t for t in every_turning if len(t.common.intersection(tokens)) >= _ENGLISH_WORDS]
    if not shaped and not turnings:
        return []
    listed = words.classes_of
    found: list[Decoded] = []
    for start, end in _spans(notes, lines):
        text = notes[start:end]
        as_written = _WORD.findall(text.lower())
        listed_before = _count(as_written, listed)
        for decode, more in shaped:
            plain = decode(text)
            if plain is None:
                continue
            listed_after = _count(_WORD.findall(plain.lower()), listed)
            if listed_after > listed_before or (not more and listed_after == listed_before):
                found.append(Decoded(start, end, plain))
        english_before = _count(as_written, common)
        for turning in turnings:
            english = _count(as_written, turning.common)
            if (
                english >= _ENGLISH_WORDS
                and english > english_before
                and _count(as_written, turning.listed) > listed_before
            ):
                found.append(Decoded(start, end, turning.decode(text)))
    return found


def _spaced_run(notes: str, tokens: Sequence[str]) -> bool:
    """Whether `_SPACED_LETTERS` single letters or digits stand in a row (each length is taken
    modulo 256, all in C: a 257-letter token passing for one letter only costs a closer look)."""
    return _SPACED_LENGTHS in bytes(map((0xFF).__and__, map(len, tokens)))


def _base64_run(notes: str, tokens: Sequence[str]) -> bool:
    return max(map(len, tokens), default=0) >= _BASE64_LENGTH and bool(_BASE64.search(notes))


def _spans(notes: str, lines: Sequence[Line]) -> list[tuple[int, int]]:
    """Each line (label included), and each run of lines whose words are broken across them
    with a hyphen ("ig-" / "nore"), which only reads once joined."""
    spans = [line.span for line in lines]
    if not _broken_words(notes, ()):
        return spans
    joined: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for span in spans:
        if run and not _BROKEN_END.search(notes, run[-1][0], run[-1][1]):
            if len(run) > 1:
                joined.append((run[0][0], run[-1][1]))
            run = []
        run.append(span)
    if len(run) > 1:
        joined.append((run[0][0], run[-1][1]))
    return spans + joined


def _broken_words(notes: str, tokens: Sequence[str]) -> bool:
    return ("-\n" in notes or "-\r\n" in notes) and _BROKEN.search(notes) is not None


def _unbroken(text: str) -> str | None:
    """Words broken across lines with a hyphen joined again, the lines' bullets dropped."""
    joined = _BROKEN.sub("", text)
    return joined if joined != text else None


def _count(words: Sequence[str], listed: Container[str]) -> int:
    return sum(1 for word in words if word in listed)


def _unspaced(text: str) -> str | None:
    """Spaced-out letters joined into words; wider gaps stay as the spaces between words."""
    if not _SPACED.search(text):
        return None
    return _SPACED.sub(lambda m: " ".join(w.replace(" ", "") for w in _WORD_GAP.split(m[0])), text)


def _backwards(text: str) -> str:
    return text[::-1]


def _rot13(text: str) -> str:
    return codecs.encode(text, "rot_13")


def _base64_decoded(text: str) -> str | None:
    """Runs of Base64 replaced by the text they encode, where they encode readable text."""
    changed = False

    def readable(match: re.Match[str]) -> str:
        nonlocal changed
        run = match[0]
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return run
        printable = sum(char.isprintable() for char in decoded)
        if " " not in decoded or printable < _PRINTABLE_SHARE * len(decoded):
            return run  # a hash, a key or an id: bytes, not words
        changed = True
        return decoded

    replaced = _BASE64.sub(readable, text) if _BASE64.search(text) else text
    return replaced if changed else None


class _Turning(NamedTuple):
    """One way of turning text round (backwards, ROT13), and the words that tell a line was
    written that way: the commonest English words and the rubric's words, turned round too, so a
    line is tested by looking its own words up, without decoding it."""

    decode: Callable[[str], str]
    common: frozenset[str]
    listed: frozenset[str]


@lru_cache(maxsize=4)
def _turnings(words: InjectionWords) -> tuple[frozenset[str], tuple[_Turning, ...]]:
    """The commonest English words, and each way of turning text round with its word sets."""
    common = frozenset(load_lexicon().function_words)
    # A word that reads as a common word either way round ("a", "no"/"on") tells nothing.
    return common, tuple(
        _Turning(
            turn,
            frozenset(map(turn, common)) - common,
            frozenset(map(turn, words.classes_of)) - words.classes_of.keys(),
        )
        for turn in (_backwards, _rot13)
    )

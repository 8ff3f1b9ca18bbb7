"""Redaction: keep company, product and people names, e-mail addresses and URLs from a model.

Before notes go to a model each sensitive span is swapped for a placeholder such as [COMPANY-1];
the placeholders in what comes back are swapped back. Pure and deterministic, so the user can be
shown exactly what was sent and what each placeholder stands for.

Round trip: `redact(text, names).restore(...)` of the sent text gives `text` back, whatever the
text holds. Text the user wrote that already looks like a placeholder is itself replaced (as
[TEXT-n]), so every placeholder-like span in what is sent is one of ours.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Literal, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, field_validator

Kind = Literal["COMPANY", "PRODUCT", "PERSON", "EMAIL", "URL", "TEXT"]

# Ties between spans of equal length go to the first kind here: the user's own lists first.
_RANK: dict[Kind, int] = {"COMPANY": 0, "PRODUCT": 1, "PERSON": 2, "EMAIL": 3, "URL": 4, "TEXT": 5}

# Every placeholder shape restored, however a model re-cases or re-spaces it ("[ company_1 ]").
# The same pattern finds look-alikes in the user's text, so the two can never disagree.
_PLACEHOLDER = re.compile(
    r"\[\s*(COMPANY|PRODUCT|PERSON|EMAIL|URL|TEXT)\s*[-_‐‑–—]?\s*([0-9]+)\s*\]", re.IGNORECASE
)
_LABEL = r"\w(?:[\w-]*\w)?"
_EMAIL = re.compile(rf"(?<![\w.%+-])[\w.%+-]+@{_LABEL}(?:\.{_LABEL})+")
# A scheme glued to a word ("seehttps://...") is still a URL; "www." only starts a word.
_URL = re.compile(r"(?:https?://|(?<![\w.])www\.)[^\s<>\"“”‘’«»]+", re.IGNORECASE)
# Punctuation that ends a sentence or closes a bracket around a URL rather than belonging to it.
_URL_TRAILING = frozenset(".,;:!?'\")]}*_~…–—")
_URL_PREFIX = re.compile(r"https?://|www\.", re.IGNORECASE)
_LIST_SEPARATOR = re.compile(r"[,\n\r]")
# Thai and Lao, Myanmar, Khmer: scripts that run words together like the wide CJK ones.
_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))


class RedactionList(BaseModel):
    """The names a user wants kept from the model, by kind."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    companies: list[str] = []
    products: list[str] = []
    people: list[str] = []

    @field_validator("companies", "products", "people")
    @classmethod
    def _tidy(cls, names: list[str]) -> list[str]:
        """Strip each name and drop empties and case-insensitive repeats, keeping the first."""
        seen: set[str] = set()
        tidy: list[str] = []
        for raw in names:
            name = raw.strip()
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                tidy.append(name)
        return tidy

    @classmethod
    def parse(cls, companies: str, products: str, people: str) -> Self:
        """Build the list from comma- or newline-separated user input."""
        return cls(
            companies=_LIST_SEPARATOR.split(companies),
            products=_LIST_SEPARATOR.split(products),
            people=_LIST_SEPARATOR.split(people),
        )


@dataclass(frozen=True, slots=True)
class Redacted:
    """Text ready to send, with what each placeholder stands for."""

    text: str
    replacements: tuple[tuple[str, str], ...]
    # (placeholder, original) for every placeholder in `text`, in order: "Acme" and "ACME" share
    # [COMPANY-1], and restoring the sent text must give each its own spelling back.
    occurrences: tuple[tuple[str, str], ...] = ()

    def restore(self, text: str) -> str:
        """Put the originals back in place of our placeholders, however the model cased them.

        The n-th mention of a placeholder gets the n-th spelling sent; any further mentions get
        the first. Placeholder-like text that is not one of ours is left alone.
        """
        originals = dict(self.replacements)
        spellings: dict[str, list[str]] = {}
        for placeholder, original in self.occurrences:
            spellings.setdefault(placeholder, []).append(original)
        used: Counter[str] = Counter()

        def put_back(match: re.Match[str]) -> str:
            placeholder = f"[{match.group(1).upper()}-{int(match.group(2))}]"
            if placeholder not in originals:
                return match.group()
            nth = used[placeholder]
            used[placeholder] += 1
            said = spellings.get(placeholder, [])
            return said[nth] if nth < len(said) else originals[placeholder]

        return _PLACEHOLDER.sub(put_back, text)

    def count(self) -> int:
        """How many different originals were replaced."""
        return len(self.replacements)

    def apply(self, text: str) -> str:
        """Hide the same originals in other text (a restored story sent back to the model)."""
        pairs = (*self.replacements, *self.occurrences)
        placeholder_of: dict[str, str] = {}
        for placeholder, original in pairs:
            placeholder_of.setdefault(_key(original), placeholder)
        spans = [
            _Span(start, end, "TEXT")
            for original in {original for _, original in pairs}
            for start, end in _mentions(text, _term_pattern(original))
        ]
        parts: list[str] = []
        at = 0
        for span in _choose(spans, len(text)):
            found = text[span.start : span.end]
            parts += [text[at : span.start], placeholder_of.get(_key(found), found)]
            at = span.end
        parts.append(text[at:])
        return "".join(parts)


class _Span(NamedTuple):
    start: int
    end: int
    kind: Kind


def redact(text: str, names: RedactionList) -> Redacted:
    """Replace listed names, e-mail addresses, URLs and placeholder look-alikes with placeholders.

    Where candidates overlap the longest wins ("Acme Cloud" over "Acme"), then the earliest.
    Every whole-word mention of a listed name of two or more characters ends up inside a
    placeholder, and no replaced span cuts a word in two.
    """
    candidates = [*_term_spans(text, names), *_found_spans(text)]
    counts: Counter[Kind] = Counter()
    by_original: dict[str, str] = {}
    replacements: list[tuple[str, str]] = []
    occurrences: list[tuple[str, str]] = []
    parts: list[str] = []
    at = 0
    for span in _choose(candidates, len(text)):
        original = text[span.start : span.end]
        key = _key(original)
        placeholder = by_original.get(key)
        if placeholder is None:
            counts[span.kind] += 1
            placeholder = f"[{span.kind}-{counts[span.kind]}]"
            by_original[key] = placeholder
            replacements.append((placeholder, original))
        occurrences.append((placeholder, original))
        parts += [text[at : span.start], placeholder]
        at = span.end
    parts.append(text[at:])
    return Redacted("".join(parts), tuple(replacements), tuple(occurrences))


def _key(original: str) -> str:
    """Spellings that share a placeholder: the same words, whatever their case and spacing."""
    return " ".join(original.split()).casefold()


def preview(redacted: Redacted) -> list[tuple[str, str]]:
    """The (placeholder, original) table to show next to the text that was sent."""
    return list(redacted.replacements)


def _is_word(char: str) -> bool:
    # Letters, marks and digits; "_" and apostrophes separate words, so "Priya's" and "acme_corp"
    # still hold "Priya" and "acme". Scripts written without spaces (Chinese, Japanese, Korean
    # particles, Thai...) have no word edges to find, so every letter there counts as an edge.
    if unicodedata.category(char)[0] not in "LMN":
        return False
    if unicodedata.east_asian_width(char) in "WF":
        return False
    return not any(low <= ord(char) <= high for low, high in _UNSPACED)


def _cuts_word(text: str, at: int) -> bool:
    return 0 < at < len(text) and _is_word(text[at - 1]) and _is_word(text[at])


def _term_spans(text: str, names: RedactionList) -> list[_Span]:
    """Every whole-word mention of every listed name, overlapping ones included."""
    groups: tuple[tuple[Kind, list[str]], ...] = (
        ("COMPANY", names.companies),
        ("PRODUCT", names.products),
        ("PERSON", names.people),
    )
    seen: set[str] = set()
    spans: list[_Span] = []
    for kind, group in groups:
        for name in group:
            term = name.strip()
            if len(term) < 2 or term.casefold() in seen:
                continue
            seen.add(term.casefold())
            for start, end in _mentions(text, _term_pattern(term)):
                spans.append(_Span(start, end, kind))
    return spans


def _term_pattern(term: str) -> re.Pattern[str]:
    # Any run of white space between the words, since notes wrap lines; "Acme Corp." also
    # matches "Acme Corp" without its dot.
    pattern = r"\s+".join(re.escape(word) for word in term.split())
    if term.endswith(".") and len(term.rstrip(".")) >= 2:
        pattern = pattern[: -len(re.escape("."))] + r"\.?"
    return re.compile(pattern, re.IGNORECASE)


def _mentions(text: str, pattern: re.Pattern[str]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    match = pattern.search(text)
    while match is not None:
        start, end = match.span()
        if end > start and not _cuts_word(text, start) and not _cuts_word(text, end):
            found.append((start, end))
        # Step one character, not past the match: "Acme Cloud" may start inside another mention.
        match = pattern.search(text, start + 1)
    return found


def _found_spans(text: str) -> list[_Span]:
    """E-mail addresses, URLs and placeholder look-alikes, found without a list."""
    spans = [_Span(*_whole_words(text, *m.span()), "EMAIL") for m in _EMAIL.finditer(text)]
    for match in _URL.finditer(text):
        end = match.start() + len(_trim_url(match.group()))
        prefix = _URL_PREFIX.match(text, match.start())
        if prefix is not None and end > prefix.end():
            spans.append(_Span(*_whole_words(text, match.start(), end), "URL"))
    spans += [_Span(*m.span(), "TEXT") for m in _PLACEHOLDER.finditer(text)]
    return spans


def _trim_url(url: str) -> str:
    """Drop a sentence's final stop or a closing bracket, keeping a bracket the URL opened."""
    while url and url[-1] in _URL_TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    # Widen a found span that would cut a word, so no half-word is left beside a placeholder.
    while _cuts_word(text, start):
        start -= 1
    while _cuts_word(text, end):
        end += 1
    return start, end


def _choose(candidates: list[_Span], size: int) -> list[_Span]:
    """Non-overlapping spans, longest first, in text order."""
    taken = bytearray(size)
    chosen: list[_Span] = []
    for span in sorted(candidates, key=lambda s: (s.start - s.end, s.start, _RANK[s.kind])):
        if taken.find(1, span.start, span.end) == -1:
            taken[span.start : span.end] = b"\x01" * (span.end - span.start)
            chosen.append(span)
    return sorted(chosen)

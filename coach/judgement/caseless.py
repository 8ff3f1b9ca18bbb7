"""Case-insensitive patterns, matched fast: over lower-cased text, case-sensitively.

sre pays for IGNORECASE at every character it tries, about twice the cost of a plain match. A
pattern written in lower-case ASCII finds the same matches in the lower-cased text, at the same
positions, whenever lower-casing keeps every character where it was and folds nothing new into
what the pattern can match; otherwise it runs IGNORECASE over the text as given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

# Characters that Unicode case-insensitive matching folds onto ASCII letters but str.lower()
# leaves alone, or the reverse: "ı" and "ſ" match "i" and "s", "İ" lower-cases to two characters,
# the Kelvin sign lower-cases to "k".
_FOLD_APART: Final = frozenset("\u0130\u0131\u017f\u212a")


class CaselessPattern:
    """A regular expression matched without regard to case."""

    def __init__(self, source: str, flags: int = 0) -> None:
        self.caseless = re.compile(source, flags | re.IGNORECASE)
        # Only a lower-case ASCII pattern finds the same in lower-cased text.
        self._lowered = (
            re.compile(source, flags) if source.isascii() and source == source.lower() else None
        )
        self._ascii_only = bool(flags & re.ASCII)

    def _same_when_lowered(self, text: str, lowered: str) -> bool:
        if self._ascii_only:  # only ASCII letters fold: non-ASCII text cannot match differently
            return len(lowered) == len(text) and "\u212a" not in text
        return text.isascii() or (len(lowered) == len(text) and _FOLD_APART.isdisjoint(text))

    def _pick(self, text: str, lowered: str | None) -> tuple[re.Pattern[str], str]:
        if self._lowered is not None:
            lowered = text.lower() if lowered is None else lowered
            if self._same_when_lowered(text, lowered):
                return self._lowered, lowered
        return self.caseless, text

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        """The first match in `text`; `lowered` is `text.lower()` if the caller has it."""
        pattern, subject = self._pick(text, lowered)
        return pattern.search(subject)

    def finditer(self, text: str, lowered: str | None = None) -> Iterator[re.Match[str]]:
        """Every match in `text`; `lowered` is `text.lower()` if the caller has it."""
        pattern, subject = self._pick(text, lowered)
        return pattern.finditer(subject)

"""What every rubric file is built from: strict models that refuse unknown keys, checked
phrases and patterns, and the version header."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach.errors import PhraseError
from coach.judgement.caseless import CaselessPattern
from coach.judgement.cues import validate_phrases


class Strict(BaseModel):
    """A rubric part: frozen, and unknown keys (typos) refused rather than silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))


def alternation(patterns: list[str]) -> str:
    """Patterns as one regex alternation, each in its own group."""
    return "|".join(f"(?:{p})" for p in patterns)


PATTERN_FLAGS = re.MULTILINE | re.ASCII  # `^` and `$` also match at line ends


def compile_patterns(patterns: list[str]) -> re.Pattern[str]:
    """Join patterns into one case-insensitive alternation; `^` and `$` also match at line ends."""
    return re.compile(alternation(patterns), PATTERN_FLAGS | re.IGNORECASE)


def check_patterns(patterns: list[str]) -> list[str]:
    """A validator: every pattern compiles, alone and joined with the others."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad pattern {pattern!r}: {exc}") from exc
    try:
        compile_patterns(patterns)
    except re.error as exc:
        raise ValueError(f"patterns do not combine: {exc}") from exc
    return patterns


def check_phrases(phrases: list[str]) -> list[str]:
    """A validator: every cue phrase is one the cue book can match."""
    try:
        validate_phrases(phrases)
    except PhraseError as exc:
        raise ValueError(str(exc)) from exc
    return phrases


class CueGroup(Strict):
    """Phrases that add `weight` when any of them matches."""

    weight: float = Field(gt=0)
    phrases: list[str] = Field(min_length=1)

    _validate = field_validator("phrases")(check_phrases)


class PhraseSet(Strict):
    """Phrases with the rubric line they stand for."""

    rubric: str
    phrases: list[str] = Field(min_length=1)

    _validate = field_validator("phrases")(check_phrases)


class Versioned(Strict):
    """The header every rubric file starts with: its id, version and what it is for."""

    id: str
    version: int = Field(ge=1)
    description: str


class TriggeredPatterns(Strict):
    """Regex patterns guarded by plain-text triggers: most text holds none of the triggers, and
    looking for them is far cheaper than running the regex."""

    triggers: list[str] = Field(
        min_length=1, description="Lower-case text one of which any match must contain."
    )
    patterns: list[str] = Field(min_length=1)

    _validate = field_validator("patterns")(check_patterns)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The patterns as one compiled case-insensitive alternation."""
        return self._caseless.caseless

    @cached_property
    def _caseless(self) -> CaselessPattern:
        return CaselessPattern(alternation(self.patterns), PATTERN_FLAGS)

    def finditer(self, text: str, lowered: str) -> Iterator[re.Match[str]]:
        """The patterns' matches in `text`, whose lower-cased form is `lowered`."""
        return self._caseless.finditer(text, lowered)

    def may_match(self, lowered: str) -> bool:
        """Whether lower-cased text holds any trigger, so that the regex could match it."""
        return any(trigger in lowered for trigger in self.triggers)


def all_present(found: Iterable[str], needed: Any, what: str) -> None:
    """Refuse a rubric that leaves out a name of the `Literal` `needed` (the code's set)."""
    missing = sorted(set(get_args(needed)) - set(found))
    if missing:
        raise ValueError(f"{what} needs {', '.join(missing)}")

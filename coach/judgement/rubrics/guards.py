"""The rubrics that guard a run: injection patterns, the model-story guard, and the language
notice."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field, field_validator

from coach.judgement.cues import CueBook
from coach.judgement.rubrics.common import Strict, TriggeredPatterns, Versioned, check_phrases


class InjectionPattern(TriggeredPatterns):
    """Patterns of one kind of instruction hidden in notes."""

    code: str = Field(pattern=r"^injection_[a-z_]+$")
    message: str
    scope: Literal["sentence", "line"] = "sentence"


def _lower_case(words: frozenset[str]) -> frozenset[str]:
    # The reader compares these with lower-cased words: an upper-case letter would never match.
    upper = sorted(word for word in words if word != word.lower() or not word.strip())
    if upper:
        raise ValueError(f"not lower-case words: {', '.join(upper)}")
    return words


class InjectionWords(Strict):
    """Word classes the learned reader sees as one feature each, whatever the language: who is
    addressed, what is asked about, words of rank, how it is asked. An entry in a script written
    without spaces between words (Chinese, Japanese; Korean, whose particles join the word) is
    found inside words, any other only as a whole word."""

    readers: frozenset[str] = Field(min_length=1)
    scoring: frozenset[str] = Field(min_length=1)
    ranks: frozenset[str] = Field(min_length=1)
    directives: frozenset[str] = Field(min_length=1)
    second_person: frozenset[str] = Field(min_length=1)

    _validate = field_validator("readers", "scoring", "ranks", "directives", "second_person")(
        _lower_case
    )

    @cached_property
    def classes_of(self) -> dict[str, frozenset[str]]:
        """Each listed word -> the names of the classes (fields) that list it: one lookup a word
        where the reader would otherwise search five sets."""
        found: dict[str, set[str]] = {}
        for name in type(self).model_fields:
            for word in getattr(self, name):
                found.setdefault(word, set()).add(name)
        return {word: frozenset(names) for word, names in found.items()}


class InjectionRubric(Versioned):
    """Instructions aimed at the coach, to flag and ignore."""

    patterns: list[InjectionPattern] = Field(min_length=1)
    words: InjectionWords
    learned_message: str = Field(
        min_length=1, description="The flag of sentences only the learned reader flags."
    )


class ScopeClaim(Strict):
    """A group of scope or role claims that must be backed by the same group in the notes."""

    message: str
    phrases: list[str] = Field(min_length=1)

    _validate = field_validator("phrases")(check_phrases)


class GuardRubric(Versioned):
    """What the nothing-invented guard checks besides figures."""

    scope_claims: dict[str, ScopeClaim] = Field(min_length=1)
    personal_role_message: str = Field(
        description='Why an "I" was removed when the words it rests on say "we".'
    )
    not_names: list[str]
    outcome_words: frozenset[str] = Field(
        min_length=1, description="Words that tell a figure as an outcome: 'saved 72 hours'."
    )
    figure_meaning_message: str

    @cached_property
    def cue_book(self) -> CueBook[str]:
        """Every claim group's phrases, keyed by group name."""
        return CueBook([(name, 1.0, claim.phrases) for name, claim in self.scope_claims.items()])

    @cached_property
    def not_name_set(self) -> frozenset[str]:
        """Ordinary words that may be capitalised, lower-cased."""
        return frozenset(word.lower() for word in self.not_names)


class LanguageRubric(Versioned):
    """When notes are mostly not English: thresholds and the function words of each language."""

    min_letters: int = Field(ge=1)
    min_words: int = Field(ge=1)
    non_latin_share: float = Field(gt=0, le=1)
    other_to_english: float = Field(gt=0)
    message: str
    english: list[str] = Field(min_length=1)
    others: dict[str, list[str]] = Field(min_length=1)

    @cached_property
    def english_words(self) -> frozenset[str]:
        """English function words, lower-cased."""
        return frozenset(word.lower() for word in self.english)

    @cached_property
    def other_words(self) -> frozenset[str]:
        """Other languages' function words that English does not use, lower-cased."""
        return frozenset(w.lower() for words in self.others.values() for w in words) - (
            self.english_words
        )

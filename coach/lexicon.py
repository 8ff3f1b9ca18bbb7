"""The word lists the code reads (`rubrics/lexicon.v<N>.yaml`), validated and loaded once.

The lowest modules (cues, figures, prose) build their sets and patterns from it at import; it is
read like the rubrics (`coach/versioned.py`), every problem one `RubricError` naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from coach.config import PROJECT_ROOT
from coach.errors import RubricError
from coach.versioned import read_versioned

LEXICON_DIR: Final = PROJECT_ROOT / "rubrics"
LEXICON_ID: Final = "lexicon"


def _distinct(items: tuple[str, ...]) -> tuple[str, ...]:
    for item in items:
        if not item or item != item.strip():
            raise ValueError(f"{item!r} is empty or has spaces around it")
    repeated = sorted({item for item in items if items.count(item) > 1})
    if repeated:
        raise ValueError(f"listed twice: {', '.join(repeated)}")
    return items


def _lower_case(words: tuple[str, ...]) -> tuple[str, ...]:
    # The code compares these with lower-cased words: an upper-case letter would never match.
    upper = [word for word in words if word != word.lower()]
    if upper:
        raise ValueError(f"not lower-case: {', '.join(upper)}")
    return words


# A list of distinct texts (names, as they are shown), and of distinct lower-case words.
Texts = Annotated[tuple[str, ...], Field(min_length=1), AfterValidator(_distinct)]
Words = Annotated[Texts, AfterValidator(_lower_case)]


class _Strict(BaseModel):
    # Unknown keys are typos in the file; reject them instead of silently ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactPlaceholders(_Strict):
    """What an empty header fact shows in the case study, by `HeaderFacts` field."""

    duration: str = Field(min_length=1)
    role: str = Field(min_length=1)
    team_size: str = Field(min_length=1)
    technologies: str = Field(min_length=1)


class PsiPlaceholders(_Strict):
    """What an empty Problem-Solution-Impact section shows in the case study, by `PsiSection`."""

    problem: str = Field(min_length=1)
    solution: str = Field(min_length=1)
    impact: str = Field(min_length=1)


class Lexicon(_Strict):
    """Every word list the code reads; the file's comments say what each is for."""

    id: str
    version: int = Field(ge=1)
    description: str
    # The sentence writer (coach/judgement/prose.py).
    section_labels: Words
    irregular_past: Words
    not_past_ed: Words
    clause_breaks: Words
    finite_verbs: Words
    measuring_verbs: Words
    measured_over: Words
    also_adjectives: Words
    first_person_singular: Words
    first_person_plural: Words
    # Whose work a story tells (coach/judgement/levels.py).
    i_words: Words
    we_words: Words
    team_words: Words
    # Figures (coach/judgement/cues.py, coach/judgement/figures.py).
    number_words: Words
    figure_number_words: Words
    reverse_gap_changes: Words
    relative_lead_verbs: Words
    relative_tail_words: Words
    delta_lead_verbs: Words
    to_lead_verbs: Words
    # Text in disguise (coach/judgement/disguise.py).
    function_words: Words
    # The story bank and the export.
    leadership_principles: Texts
    fact_placeholders: FactPlaceholders
    psi_placeholders: PsiPlaceholders


def read_lexicon(directory: Path) -> Lexicon:
    """The newest lexicon file in `directory`, validated; every problem is one `RubricError`."""
    return read_versioned(directory, LEXICON_ID, Lexicon, RubricError, "lexicon")


def alternation(words: Iterable[str]) -> str:
    """The words as a regex alternation, each taken literally, in their order."""
    return "|".join(re.escape(word) for word in words)


@cache
def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """The lexicon, read once per process (the modules that use it build their sets at import)."""
    return read_lexicon(directory)

"""Whether notes are mostly not English: the coach reads English only, and should say so.

Read from two things any text shows (`rubrics/language.v1.yaml`): the share of its letters
outside the Latin script, and whether its function words are English or those of another
language written in Latin letters.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from coach.judgement.rubrics.guards import LanguageRubric
from coach.models import Flag

_LATIN_END: Final = 0x24F  # the last letter of Latin Extended-B


def mostly_not_english(text: str, rubric: LanguageRubric) -> bool:
    """Whether `text` reads as another language (too short a text is given the benefit)."""
    if not text.isascii():  # every story pays for this check: ASCII text has no other script
        letters = [ch for ch in text if ch.isalpha()]
        non_latin = sum(1 for ch in letters if ord(ch) > _LATIN_END)
        if len(letters) >= rubric.min_letters and non_latin / len(letters) > rubric.non_latin_share:
            return True  # scripts such as Japanese need no spaces between words: count letters
    lowered = text.lower()
    other = len(_function_words(rubric.other_words).findall(lowered))
    if other < rubric.min_words // 2:
        return False  # most notes stop here, after one pass of one pattern
    english = len(_function_words(rubric.english_words).findall(lowered))
    return other > rubric.other_to_english * english


@lru_cache(maxsize=8)
def _function_words(words: frozenset[str]) -> re.Pattern[str]:
    """One pattern for a set of whole words: a single pass over the notes counts them all."""
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?![^\W\d_])")


def language_flag(text: str, rubric: LanguageRubric) -> Flag | None:
    """A notice when the notes are mostly not English, else None."""
    if not mostly_not_english(text, rubric):
        return None
    return Flag(code="not_english", message=rubric.message)

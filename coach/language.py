"""Whether notes are mostly not English: the coach reads English only, and should say so.

Read from two things any text shows (`rubrics/language.v1.yaml`): the share of its letters
outside the Latin script, and whether its function words are English or those of another
language written in Latin letters.
"""

from __future__ import annotations

import re
from typing import Final

from coach.models import Flag
from coach.rubrics import LanguageRubric

_WORD: Final = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_LATIN_END: Final = 0x24F  # the last letter of Latin Extended-B


def mostly_not_english(text: str, rubric: LanguageRubric) -> bool:
    """Whether `text` reads as another language (too short a text is given the benefit)."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < rubric.min_letters:
        return False
    non_latin = sum(1 for ch in letters if ord(ch) > _LATIN_END)
    if non_latin / len(letters) > rubric.non_latin_share:
        return True  # scripts such as Japanese need no spaces between words: count letters
    words = [word.lower() for word in _WORD.findall(text)]
    english = sum(1 for word in words if word in rubric.english_words)
    other = sum(1 for word in words if word in rubric.other_words)
    return other >= rubric.min_words // 2 and other > rubric.other_to_english * english


def language_flag(text: str, rubric: LanguageRubric) -> Flag | None:
    """A notice when the notes are mostly not English, else None."""
    if not mostly_not_english(text, rubric):
        return None
    return Flag(code="not_english", message=rubric.message)

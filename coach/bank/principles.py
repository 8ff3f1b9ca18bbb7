"""Tagging stories with Amazon's Leadership Principles: any spelling in, the canonical name out."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Final

from coach.errors import StoryBankError
from coach.lexicon import load_lexicon

# Amazon's Leadership Principles in their canonical order (rubrics/lexicon.v1.yaml).
LEADERSHIP_PRINCIPLES: tuple[str, ...] = load_lexicon().leadership_principles


def canonical_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Return the Leadership Principles named by `tags`, deduplicated, in canonical order."""
    if isinstance(tags, str):  # one tag, not a sequence of characters
        tags = [tags]
    chosen: set[str] = set()
    for tag in tags:
        principle = _PRINCIPLES_BY_KEY.get(_principle_key(tag))
        if principle is None:
            raise StoryBankError(_unknown_tag_message(tag))
        chosen.add(principle)
    return tuple(p for p in LEADERSHIP_PRINCIPLES if p in chosen)


def _principle_key(name: str) -> str:
    # Case, punctuation and apostrophe style are free: "are right a lot", "Earth’s" both match.
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold().replace("’", "").replace("'", "")))


_PRINCIPLES_BY_KEY: Final = {_principle_key(p): p for p in LEADERSHIP_PRINCIPLES}


def _unknown_tag_message(tag: str) -> str:
    shown = tag.strip()
    if not shown:
        return "A tag cannot be empty: choose one of Amazon's Leadership Principles."
    close = difflib.get_close_matches(_principle_key(tag), list(_PRINCIPLES_BY_KEY), n=1)
    if close:
        return (
            f"'{shown}' is not one of Amazon's Leadership Principles; "
            f"did you mean '{_PRINCIPLES_BY_KEY[close[0]]}'?"
        )
    return (
        f"'{shown}' is not one of Amazon's Leadership Principles. They are: "
        + ", ".join(LEADERSHIP_PRINCIPLES)
        + "."
    )

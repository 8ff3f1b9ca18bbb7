"""Case-insensitive patterns matched over lower-cased text find what IGNORECASE finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from coach.judgement.caseless import CaselessPattern
from tests.strategies import joined_pieces

# Letters that fold differently under str.lower() and IGNORECASE ("İ", "ı", "ſ", the Kelvin sign),
# accents, word boundaries and line ends around words the patterns look for.
_PIECES = ["cut ", "CUT ", "Cut ", "by ", "BY ", "is ", "s", "k", "i", "\u0130", "\u0131",
           "\u017f", "\u212a", "é", "É", " ", "\n", "-", "42", "to "]  # fmt: skip
_PATTERNS = [r"\bcut\b(?:\s+[\w'-]+){0,2}?\s+by\s+$", r"\bis\b", r"[a-z]+k", r"^to\s", r"\w+"]


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(_PATTERNS),
    st.sampled_from([0, re.MULTILINE | re.ASCII]),
    joined_pieces(_PIECES),
)
# Each character that folds apart, where the lower-cased text would match differently.
@example(r"\bis\b", 0, "\u0131s")
@example(r"[a-z]+k", 0, "\u017fk")
@example(r"\w+", 0, "\u0130s")
@example(r"[a-z]+k", re.MULTILINE | re.ASCII, "a\u212a")
def test_matches_are_those_of_ignorecase(source: str, flags: int, text: str) -> None:
    pattern = CaselessPattern(source, flags)
    caseless = re.compile(source, flags | re.IGNORECASE)
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in caseless.finditer(text)]
    found, expected = pattern.search(text), caseless.search(text)
    assert (found and found.span()) == (expected and expected.span())


@pytest.mark.parametrize("source", [r"\bCUT\b", r"\S+:", "café"])
def test_a_pattern_not_in_lower_case_ascii_runs_ignorecase(source: str) -> None:
    text = "Le CAFÉ: cut it"
    found, expected = CaselessPattern(source).search(text), re.search(source, text, re.IGNORECASE)
    assert found is not None and expected is not None and found.span() == expected.span()

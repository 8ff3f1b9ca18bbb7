"""Highlighted notes: escaped, spans marked, and the spaces around each highlight kept."""

from __future__ import annotations

import pytest

from coach.surfaces.render import highlighted_markdown, markdown_escape


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        (
            "We cut costs by 30% in Q2.",
            [(16, 19)],
            "We cut costs by :orange-background[30%] in Q2.",
        ),
        ("30% and 40%", [(0, 3), (8, 11)], ":orange-background[30%] and :orange-background[40%]"),
        ("30% 40%", [(0, 3), (4, 7)], ":orange-background[30%] :orange-background[40%]"),
        ("from  850ms\tto 320ms", [(6, 11)], "from :orange-background[850ms] to 320ms"),
        ("Cost $5 *now*", [(5, 7)], "Cost :orange-background[\\$5] \\*now\\*"),
        ("Line one\n12 ms next", [(9, 14)], "Line one  \n:orange-background[12 ms] next"),
        ("No figures here.", [], "No figures here."),
    ],
)
def test_highlights_keep_their_neighbours_apart(
    text: str, spans: list[tuple[int, int]], expected: str
) -> None:
    assert highlighted_markdown(text, spans) == expected


def test_overlapping_and_out_of_range_spans_show_plain() -> None:
    assert highlighted_markdown("a 1 b", [(2, 3), (2, 5), (4, 99)]) == "a :orange-background[1] b"


@pytest.mark.parametrize(
    ("typed", "inert"),
    [
        ("&lt;b&gt; bold", "\\&lt;b\\&gt; bold"),  # an entity shows as typed, not decoded
        ("1. first", "1\\. first"),  # not a numbered list
        ("- a dash", "\\- a dash"),  # not a bullet
        ("a  *b*\n c", "a \\*b\\* c"),  # one line, markup inert
    ],
)
def test_one_escaper_makes_user_text_inert_everywhere(typed: str, inert: str) -> None:
    assert markdown_escape(typed) == inert

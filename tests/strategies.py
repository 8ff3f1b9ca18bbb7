"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st


def joined_pieces(pieces: Sequence[str], max_pieces: int = 10) -> st.SearchStrategy[str]:
    """Texts made of a few chosen pieces: hypothesis meets their combinations far more often than
    in arbitrary text."""
    return st.lists(st.sampled_from(pieces), max_size=max_pieces).map("".join)

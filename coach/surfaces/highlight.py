"""User text as safe Markdown with some spans highlighted: escaped, never HTML."""

from __future__ import annotations

from collections.abc import Sequence

from coach.surfaces.report import markdown_escape


def highlighted_markdown(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped for Markdown, each span wrapped in Streamlit's highlight syntax."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor or end <= start or end > len(text):
            continue  # overlapping or out-of-range spans are shown plain
        pieces.append(_escaped(text[cursor:start]))
        pieces.append(f":orange-background[{_escaped(text[start:end])}]")
        cursor = end
    pieces.append(_escaped(text[cursor:]))
    return "".join(pieces)


def _escaped(text: str) -> str:
    # Keep the notes' line breaks: Markdown needs two trailing spaces for a hard break.
    return "  \n".join(_escaped_line(line) for line in text.split("\n"))


def _escaped_line(line: str) -> str:
    # markdown_escape trims both ends, but a piece next to a highlight must keep the space
    # between them, or "by 30% in" renders as "by30%in".
    escaped = markdown_escape(line)
    lead = " " if line[:1].isspace() else ""
    trail = " " if escaped and line[-1:].isspace() else ""
    return lead + escaped + trail

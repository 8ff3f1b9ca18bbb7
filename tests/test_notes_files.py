"""Notes arriving as bytes or files: one size message everywhere, huge files refused early."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.errors import InputError
from coach.judgement.offline import check_notes
from coach.surfaces.notes_files import decode_notes, read_notes_file

LIMIT = 1_000


def _message(call: object) -> str:
    with pytest.raises(InputError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value)


def test_text_over_the_limit_gets_the_coach_buttons_message(tmp_path: Path) -> None:
    notes = "x" * (LIMIT + 1)
    expected = _message(lambda: check_notes(notes, LIMIT))
    assert "1,001 characters; the limit is 1,000" in expected
    assert _message(lambda: decode_notes(notes.encode(), source="paste", max_chars=LIMIT)) == (
        expected
    )
    path = tmp_path / "notes.txt"
    path.write_text(notes, encoding="utf-8")
    assert _message(lambda: read_notes_file(path, max_chars=LIMIT)) == expected


def test_a_huge_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"y" * (LIMIT * 4 + 100))
    assert "over 4,000 bytes" in _message(lambda: read_notes_file(path, max_chars=LIMIT))


def test_text_within_the_limit_reads_whole(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("é" * LIMIT, encoding="utf-8")  # 2 bytes each: within 4 per character
    assert read_notes_file(path, max_chars=LIMIT) == "é" * LIMIT

"""Read notes from bytes of any common encoding, or refuse them with a clear message."""

from __future__ import annotations

import codecs
from pathlib import Path

from coach.errors import InputError, notes_too_long

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAX_BYTES_PER_CHAR = 4
# Share of control characters above which bytes are a binary file, not notes.
_MAX_CONTROL_SHARE = 0.02


def decode_notes(data: bytes, *, source: str, max_chars: int) -> str:
    """Text of the notes: BOM-marked UTF-8/16/32, plain UTF-8, else Windows-1252."""
    # A character takes at most 4 bytes in any encoding we accept: refuse before decoding.
    if len(data) > max_chars * _MAX_BYTES_PER_CHAR:
        raise InputError(
            f"{source} is over {max_chars * _MAX_BYTES_PER_CHAR:,} bytes; notes are limited to "
            f"{max_chars:,} characters."
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(f"{source} is not valid {encoding.upper()} text.") from exc
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if text and controls / len(text) > _MAX_CONTROL_SHARE:
        raise InputError(f"{source} looks like a binary file, not text notes.")
    if len(text) > max_chars:
        raise notes_too_long(len(text), max_chars)
    return text


def read_notes_file(path: Path, *, max_chars: int) -> str:
    """Read notes from a file, with one clear error for a missing or unreadable one."""
    try:
        with path.open("rb") as file:
            # Never more than the limit can hold: a huge file is refused without reading it all.
            data = file.read(max_chars * _MAX_BYTES_PER_CHAR + 1)
    except FileNotFoundError as exc:
        raise InputError(f"No such file: {path}.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a folder, not a file of notes.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return decode_notes(data, source=str(path), max_chars=max_chars)

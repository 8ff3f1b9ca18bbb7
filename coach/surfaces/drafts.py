"""Save the notes before anything is sent, so a failed or interrupted run loses nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from coach.errors import InputError
from coach.private_files import create_private_file


def save_draft(directory: Path, notes: str) -> Path:
    """Write the notes to `directory` (named by their content) and return the file."""
    digest = hashlib.sha256(notes.encode("utf-8")).hexdigest()[:16]
    target = directory / f"{digest}.txt"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            partial = target.with_suffix(".tmp")
            create_private_file(partial)  # owner-only, like the bank and the cache
            partial.write_text(notes, encoding="utf-8")
            os.replace(partial, target)  # atomic: a crash never leaves half a draft
    except OSError as exc:
        raise InputError(
            f"Cannot save a draft of the notes in {directory}: {exc.strerror}."
        ) from exc
    return target

"""Files that hold the user's notes: created owner-only before anything writes to them."""

from __future__ import annotations

import os
from pathlib import Path


def create_private_file(path: Path) -> None:
    """Create `path` (and its folders) readable by its owner only; an existing file is kept.

    Made before SQLite opens it, so the database never exists with the umask's wider mode; SQLite
    gives its -wal and -shm files the same mode. Raises `OSError`; callers say what failed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))

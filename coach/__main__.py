"""The storycoach command (`storycoach`, `python -m coach`).

The library reads its word lists as its modules load, so the command line is imported here,
inside the one handler that turns a broken data file into its one-line message and exit status 2
rather than a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from coach.errors import CoachError


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; a data file that cannot be read is a clear message, exit 2."""
    try:
        from coach.surfaces.cli import main as run
    except CoachError as exc:
        print(f"storycoach: {exc}", file=sys.stderr)
        return 2
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())

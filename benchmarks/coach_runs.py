"""Coach `make bench`'s 400-word story N times (after one warm-up run), for an instruction count.

`make instructions` runs this under callgrind twice (N=1 and N=11): the difference over ten is
what one run costs, a figure that does not drift with the machine's load as wall time does.
"""

from __future__ import annotations

import sys

from benchmarks.run import WORDS, _stories, _story_of
from coach.config import get_settings
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import load_rubrics


def main() -> None:
    """Coach the story `sys.argv[1]` times."""
    notes = _story_of(WORDS, _stories())
    rubrics = load_rubrics(get_settings().rubrics_dir)
    coach_offline(notes, rubrics, max_chars=len(notes))
    for _ in range(int(sys.argv[1])):
        coach_offline(notes, rubrics, max_chars=len(notes))


if __name__ == "__main__":
    main()

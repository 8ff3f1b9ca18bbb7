"""`make bench`: speed of the offline coach, printed as figures (never a pass/fail test).

- one 400-word story coached in-process: median and p95 over repeated runs;
- 1,000 stories through `storycoach coach --batch` on one core: wall time.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coach.config import PROJECT_ROOT, get_settings
from coach.engine import coach_offline
from coach.evaluation import NotesStyle, build_notes, read_labelled
from coach.rubrics import load_rubrics

WORDS = 400
RUNS = 300
BATCH = 1000


def _stories() -> list[str]:
    rubrics = load_rubrics(get_settings().rubrics_dir)
    labelled = read_labelled(get_settings().eval_path, rubrics)
    return [build_notes(story, NotesStyle.BULLETS)[0] for story in labelled]


def _story_of(words: int, stories: list[str]) -> str:
    pool = " ".join(stories).split(" ")
    return " ".join(pool[:words])


def bench_in_process(notes: str) -> tuple[float, float]:
    """Median and p95 milliseconds for one coaching run."""
    rubrics = load_rubrics(get_settings().rubrics_dir)
    coach_offline(notes, rubrics, max_chars=len(notes))
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        coach_offline(notes, rubrics, max_chars=len(notes))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def bench_batch(stories: list[str]) -> float:
    """Seconds for the CLI to coach BATCH stories, pinned to one core when possible."""
    with tempfile.TemporaryDirectory() as folder:
        batch = Path(folder) / "batch.jsonl"
        with batch.open("w", encoding="utf-8") as handle:
            for i in range(BATCH):
                handle.write(json.dumps({"id": i, "notes": stories[i % len(stories)]}) + "\n")
        command = [sys.executable, "-m", "coach.cli", "coach", "--batch", str(batch)]
        if shutil.which("taskset"):
            command = ["taskset", "-c", "0", *command]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=PROJECT_ROOT)
        return time.perf_counter() - start


def main() -> None:
    """Print the figures."""
    stories = _stories()
    notes = _story_of(WORDS, stories)
    median, p95 = bench_in_process(notes)
    print(
        f"offline coach, one {WORDS}-word story, in-process: median {median:.2f} ms, "
        f"p95 {p95:.2f} ms (target: median <= 5 ms)"
    )
    seconds = bench_batch(stories)
    print(f"storycoach coach --batch, {BATCH} stories, one core: {seconds:.2f} s (target: < 5 s)")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()

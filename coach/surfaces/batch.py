"""Run a batch: one `{"id", "notes"}` a line in, one result a line out, in input order.

On the model engine a story spends nearly all its time waiting on the server, so stories are
coached on a pool of threads and those waits overlap. The offline engine is CPU-bound, where
threads would only add switching, so it keeps one plain loop. Either way a line is written as
soon as every line before it is, so the output is the same whatever the concurrency, and an
interrupted batch leaves whole lines only: `finished_ids` reads them back, so the next run coaches
only the rest and appends to the same file.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from coach.errors import CoachError, InputError
from coach.models import CoachResult
from coach.private_files import create_private_file
from coach.surfaces.contract import contract_json, to_contract

Coach = Callable[[str], CoachResult]

# Stories started ahead of the oldest unwritten one, per worker: enough that one slow story does
# not leave the pool idle, few enough that finished results waiting their turn stay small.
_AHEAD_PER_WORKER = 4
_REDRAW_SECONDS = 0.1  # a progress line redrawn more often is unreadable and costs a write


@dataclass(frozen=True, slots=True)
class Story:
    """One input line: its notes, or why it cannot be coached."""

    number: int
    id: Any
    notes: str = ""
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BatchReport:
    """What a batch run did."""

    written: int
    failed: int
    interrupted: bool


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One output line, and what the progress line counts of it."""

    line: str
    failed: bool
    tokens: int = 0
    cost_usd: float = 0.0


def read_stories(path: Path) -> list[Story]:
    """The stories of a batch file, one a non-blank line; a bad line is kept with its error."""
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    return [_story(number, line) for number, line in enumerate(lines, start=1) if line.strip()]


def _story(number: int, line: str) -> Story:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return Story(number, number, error=exc.msg)
    if not isinstance(record, dict) or not isinstance(record.get("notes"), str):
        return Story(number, number, error='each line must be an object with a string "notes"')
    return Story(number, record.get("id", number), notes=record["notes"])


def id_key(value: Any) -> str:
    """An id as the output writes it: ids are any JSON value, not always hashable."""
    return contract_json(value)


def finished_ids(path: Path) -> frozenset[str]:
    """The ids `path` holds results for, after dropping its error lines and a cut-off last line.

    What a run appends after them is then the only other line for those stories. A missing file
    is created (owner-only: results quote the notes). A whole line that is not a batch result
    means the wrong file was named, and it is refused rather than rewritten.
    """
    try:
        create_private_file(path)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    lines = data.split(b"\n")
    kept: list[bytes] = []
    done: set[str] = set()
    # The part after the last newline is a write cut off by an interruption: coached again.
    for number, line in enumerate(lines[:-1], start=1):
        row = _result_row(line)
        if row is None:
            raise InputError(
                f"{path} line {number} is not a storycoach batch result; name the file the "
                "batch wrote, or a new one."
            )
        if "error" not in row:
            kept.append(line)
            done.add(id_key(row["id"]))
    if len(kept) < len(lines) - 1 or lines[-1]:
        _replace(path, b"".join(line + b"\n" for line in kept))
    return frozenset(done)


def _result_row(line: bytes) -> dict[str, Any] | None:
    try:
        row = json.loads(line)
    except ValueError:  # UnicodeDecodeError is one too
        return None
    return row if isinstance(row, dict) and "id" in row else None


def _replace(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: an interruption leaves the old file."""
    partial = path.with_name(path.name + ".tmp")
    try:
        create_private_file(partial)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        raise InputError(f"Cannot rewrite {path}: {exc.strerror or exc}.") from exc


def to_do(stories: Iterable[Story], done: Collection[str]) -> list[Story]:
    """The stories still to coach: a bad line is never done, so it is reported again."""
    return [s for s in stories if s.error is not None or id_key(s.id) not in done]


def run_batch(
    stories: Sequence[Story],
    coach: Coach,
    out: TextIO,
    *,
    concurrency: int = 1,
    terminal: TextIO | None = None,
) -> BatchReport:
    """Coach `stories` and write one line each to `out` in their order; a bad line gets an error
    object and the batch goes on. Ctrl-C stops starting stories, writes the ones running, and
    returns with `interrupted` set.

    `terminal` gets a progress line redrawn in place when it is a terminal, and nothing else.
    """
    writer = _Writer(out, _Progress(terminal, len(stories)))
    try:
        if concurrency == 1:
            for story in stories:
                writer(_coached(story, coach))
        else:
            _pooled(stories, coach, concurrency, writer)
    except KeyboardInterrupt:
        return writer.report(interrupted=True)
    finally:
        writer.progress.close()
    return writer.report(interrupted=False)


class _Writer:
    """Write outcomes as whole lines, counting them."""

    def __init__(self, out: TextIO, progress: _Progress) -> None:
        self.out, self.progress = out, progress
        self.written = self.failed = 0

    def __call__(self, outcome: _Outcome) -> None:
        self.out.write(outcome.line + "\n")
        self.out.flush()  # whole lines on disk: what --resume reads after an interruption
        self.written += 1
        self.failed += outcome.failed
        self.progress.add(outcome)

    def report(self, *, interrupted: bool) -> BatchReport:
        return BatchReport(written=self.written, failed=self.failed, interrupted=interrupted)


def _pooled(
    stories: Iterable[Story], coach: Coach, concurrency: int, write: Callable[[_Outcome], None]
) -> None:
    """Coach `concurrency` stories at a time and write each in input order.

    On Ctrl-C the stories not started are cancelled and the running ones finish and are written
    (another Ctrl-C abandons them), so the output ends at a clean line.
    """
    pending = iter(stories)
    running: deque[Future[_Outcome]] = deque()
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix="storycoach-batch")
    try:
        while True:
            while len(running) < concurrency * _AHEAD_PER_WORKER:
                story = next(pending, None)
                if story is None:
                    break
                running.append(pool.submit(_coached, story, coach))
            if not running:
                return
            outcome = running[0].result()
            running.popleft()  # before writing: a line is never written twice
            write(outcome)
    except KeyboardInterrupt:
        for future in running:
            future.cancel()
        for future in running:
            if future.cancelled():
                break
            write(future.result())
        raise
    finally:
        # Every story written is waited for above; on a bug raised by one, or a second Ctrl-C,
        # nothing more starts and nothing is waited for here.
        pool.shutdown(wait=False, cancel_futures=True)


def _coached(story: Story, coach: Coach) -> _Outcome:
    """The output line of one story; a user's mistake is its error object, a bug is raised."""
    if story.error is not None:
        return _failure(story, story.error)
    try:
        result = coach(story.notes)
    except CoachError as exc:
        return _failure(story, str(exc))
    usage = result.llm.usage if result.llm is not None else None
    return _Outcome(
        contract_json({"id": story.id, **to_contract(result)}),
        failed=False,
        tokens=usage.prompt_tokens + usage.completion_tokens if usage else 0,
        cost_usd=usage.cost_usd if usage else 0.0,
    )


def _failure(story: Story, message: str) -> _Outcome:
    row = {"id": story.id, "error": {"line": story.number, "message": message}}
    return _Outcome(contract_json(row), failed=True)


class _Progress:
    """Done, failed, tokens, cost and time left, redrawn in place on a terminal; silent elsewhere
    (pipes, files and tests see nothing)."""

    def __init__(self, stream: TextIO | None, total: int) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.total = total
        self.done = self.failed = self.tokens = 0
        self.cost_usd = 0.0
        self.start = self.drawn = time.monotonic()
        self.shown = False

    def add(self, outcome: _Outcome) -> None:
        """Count one written line; redraw when a moment has passed, or at the last."""
        self.done += 1
        self.failed += outcome.failed
        self.tokens += outcome.tokens
        self.cost_usd += outcome.cost_usd
        now = time.monotonic()
        if self.stream is not None and (
            now - self.drawn >= _REDRAW_SECONDS or self.done == self.total
        ):
            self.drawn, self.shown = now, True
            self.stream.write(f"\r{self.line(now - self.start)}\x1b[K")
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        """The progress text after `elapsed` seconds."""
        left = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        return (
            f"{self.done}/{self.total} done, {self.failed} failed, {self.tokens:,} tokens, "
            f"${self.cost_usd:.4f}, {_duration(left)} left"
        )

    def close(self) -> None:
        """End the line, so what is printed next starts on its own."""
        if self.stream is not None and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"

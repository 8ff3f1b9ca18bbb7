"""`coach --batch` on the model engine: concurrency, input order, the shared rate-limit gate,
bad lines, --resume, Ctrl-C and the progress line, on fake models of known latency."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from pydantic import PrivateAttr

from benchmarks.fake_model import EchoModel, coach_with
from coach.config import PROJECT_ROOT, Settings
from coach.errors import InputError
from coach.judgement.rubrics import RubricSet
from coach.learning.corpus import read_corpus
from coach.llm import rate_gate
from coach.llm.answers import JudgeVerdict
from coach.llm.caller import ModelCaller
from coach.llm.factory import build_chat_model
from coach.llm.pipeline import run_coach
from coach.llm.rate_gate import RateGate, retry_after
from coach.models import CoachResult, Engine, RunOptions
from coach.surfaces.batch import BatchReport, Story, finished_ids, read_stories, run_batch, to_do
from coach.surfaces.cli import main

from .fakes import completion

LATENCY = 0.2
STORIES = [s.notes for s in read_corpus([PROJECT_ROOT / "corpus" / "stories" / "shared"])][:20]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> RateGate:
    """A fresh process gate for the test: no hold leaks between tests."""
    fresh = RateGate()
    monkeypatch.setattr(rate_gate, "SHARED", fresh)
    return fresh


class CountingEcho(EchoModel):
    """EchoModel that counts the calls it has started and the most it ran at once."""

    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _started: int = PrivateAttr(default=0)
    _active: int = PrivateAttr(default=0)
    _peak: int = PrivateAttr(default=0)

    @property
    def started(self) -> int:
        return self._started

    @property
    def peak(self) -> int:
        return self._peak

    @property
    def active(self) -> int:
        return self._active

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
        with self._lock:
            self._started += 1
            self._active += 1
            self._peak = max(self._peak, self._active)
            number = self._started
        try:
            self.before(number)
            return super()._generate(messages, stop, run_manager, **kw)
        finally:
            with self._lock:
                self._active -= 1

    def before(self, number: int) -> None:
        """What happens before call `number` (1 for the first) is answered."""


def _stories(notes: list[str]) -> list[Story]:
    return [Story(number, f"story-{number}", notes=text) for number, text in enumerate(notes, 1)]


def _rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_model_stories_run_concurrently_in_input_order(
    settings: Settings, rubrics: RubricSet, gate: RateGate
) -> None:
    model = CountingEcho(rubrics=rubrics, latency=LATENCY)
    out = io.StringIO()
    report = run_batch(
        _stories(STORIES), coach_with(model, settings, rubrics, time.sleep), out, concurrency=8
    )
    rows = _rows(out.getvalue())
    assert len(STORIES) == 20 and report == BatchReport(written=20, failed=0, interrupted=False)
    # Concurrency shown by the calls in flight at once, not by the wall time, which a loaded
    # machine stretches (the speed-up is `make bench`'s figure: 24 s in turn, 4.5 s at once).
    assert 8 < model.peak <= 16  # eight stories at once, two parallel calls each at most
    assert [r["id"] for r in rows] == [f"story-{n}" for n in range(1, 21)]
    assert {r["engine"] for r in rows} == {"llm"}
    assert not gate.holds and not gate.waits


def test_output_is_the_same_whatever_the_concurrency(
    settings: Settings, rubrics: RubricSet, gate: RateGate
) -> None:
    model = EchoModel(rubrics=rubrics, latency=0)
    coach = coach_with(model, settings, rubrics, time.sleep)
    finished: list[str] = []

    def late_first(notes: str) -> CoachResult:
        # Earlier stories finish later, so completion order is the reverse of input order.
        time.sleep(0.02 * (12 - STORIES.index(notes)))
        result = coach(notes)
        finished.append(notes)
        return result

    stories = _stories(STORIES[:12])
    in_turn, pooled = io.StringIO(), io.StringIO()
    run_batch(stories, coach, in_turn)
    run_batch(stories, late_first, pooled, concurrency=6)
    assert finished != STORIES[:12]  # they did finish out of order
    assert pooled.getvalue() == in_turn.getvalue()
    assert [r["id"] for r in _rows(pooled.getvalue())] == [s.id for s in stories]


def _rate_limited(headers: dict[str, str]) -> openai.RateLimitError:
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(429, headers=headers, request=request)
    return openai.RateLimitError("HTTP 429", response=response, body=None)


class LimitedOnce(CountingEcho):
    """The first call answers 429 with Retry-After: 7, once every worker's first call is in."""

    workers: int
    _all_in: threading.Barrier | None = PrivateAttr(default=None)

    def before(self, number: int) -> None:
        if number <= self.workers:
            with self._lock:
                if self._all_in is None:
                    self._all_in = threading.Barrier(self.workers, timeout=10)
            self._all_in.wait()
        if number == 1:
            raise _rate_limited({"Retry-After": "7"})


def test_a_429_with_retry_after_holds_every_worker(
    settings: Settings, rubrics: RubricSet, gate: RateGate
) -> None:
    workers = 4
    model = LimitedOnce(rubrics=rubrics, latency=LATENCY, workers=workers)
    sleeps: list[float] = []
    started_during_hold: list[int] = []

    def sleep(seconds: float) -> None:
        # The hold lasts until the other stories' restructure calls are answered and their next
        # requests wait at the gate, and then long enough for those to have been answered too
        # had nothing held them. None may reach the model meanwhile.
        sleeps.append(seconds)
        before = model.started
        deadline = time.monotonic() + 10
        while (model.active or gate.waiting() < workers - 1) and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(3 * LATENCY)
        started_during_hold.append(model.started - before)

    out = io.StringIO()
    report = run_batch(
        _stories(STORIES[:workers]),
        coach_with(model, settings, rubrics, sleep),
        out,
        concurrency=workers,
    )
    assert list(gate.holds) == [7.0] and sleeps == [7.0]
    assert started_during_hold == [0] and len(gate.waits) >= workers - 1
    # The rate limit slowed the batch; it failed no story.
    assert report.failed == 0 and {r["engine"] for r in _rows(out.getvalue())} == {"llm"}


def test_a_429_without_retry_after_holds_for_the_backoff(
    settings: Settings, rubrics: RubricSet, gate: RateGate
) -> None:
    class Limited(CountingEcho):
        def before(self, number: int) -> None:
            if number == 1:
                raise _rate_limited({})

    sleeps: list[float] = []
    model = Limited(rubrics=rubrics, latency=0)
    result = coach_with(model, settings, rubrics, sleeps.append)(STORIES[0])
    assert result.engine is Engine.LLM
    assert list(gate.holds) == [1.0] and sleeps == [1.0]


def test_retry_after_is_read_through_the_real_client(
    tmp_path: Path, settings: Settings, gate: RateGate
) -> None:
    at = datetime.now(UTC) + timedelta(seconds=30)
    answers = [
        httpx2.Response(429, headers={"Retry-After": format_datetime(at, usegmt=True)}),
        httpx2.Response(
            200,
            json=completion(
                {"role": "assistant", "content": json.dumps({"level": "L6", "signals": []})}
            ),
        ),
    ]
    client = httpx2.Client(transport=httpx2.MockTransport(lambda _: answers.pop(0)))
    configured = settings.model_copy(update={"openai_base_url": "https://mock.local/v1"})
    sleeps: list[float] = []
    model = build_chat_model(configured, http_client=client)
    caller = ModelCaller(model, configured, sleeps.append)
    prompt = [("system", "Judge it."), ("user", "=====NOTES x=====\nI cut p99.\n=====NOTES x=====")]
    assert caller.ask(prompt, JudgeVerdict, "judge").level == "L6"
    assert len(sleeps) == 1 and 28 < sleeps[0] <= 30 and list(gate.holds) == sleeps


NOW = datetime(2026, 12, 4, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "Fri, 04 Dec 2026 12:00:20 GMT"}, 20.0),
        ({"retry-after": "Fri, 04 Dec 2026 11:59:00 GMT"}, 0.0),  # already past
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "nan"}, None),
        ({}, None),
    ],
)
def test_retry_after_header(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(headers, now=NOW) == seconds


def test_a_hold_is_capped_and_opens_the_gate_after() -> None:
    gate, slept = RateGate(), []
    gate.hold(3600, slept.append)
    assert slept == [rate_gate.LONGEST_HOLD_SECONDS] and not gate.held
    gate.wait()  # open: returns at once, records nothing
    assert not gate.waits


def test_a_bad_line_does_not_stop_a_concurrent_batch(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "a", "notes": STORIES[0]}),
        "not json",
        json.dumps({"id": "c", "notes": "   "}),
        json.dumps(["no", "notes"]),
        "",
        json.dumps({"id": "f", "notes": STORIES[1]}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def coach(notes: str) -> CoachResult:
        if not notes.strip():
            raise InputError("The notes are empty.")
        time.sleep(0.01)
        return _offline(notes)

    out = io.StringIO()
    report = run_batch(read_stories(path), coach, out, concurrency=4)
    rows = _rows(out.getvalue())
    assert [r["id"] for r in rows] == ["a", 2, "c", 4, "f"]
    assert [r["error"]["line"] for r in rows if "error" in r] == [2, 3, 4]
    assert "scores" in rows[0] and "scores" in rows[4]
    assert report.failed == 3 and report.written == 5


def _offline(notes: str) -> CoachResult:
    from coach.config import get_settings
    from coach.judgement.rubrics import load_rubrics

    settings = get_settings()
    return run_coach(
        notes,
        settings=settings,
        rubrics=load_rubrics(settings.rubrics_dir),
        options=RunOptions(engine=Engine.OFFLINE),
    )


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    path = tmp_path / "batch.jsonl"
    rows = [{"id": f"s{n}", "notes": notes} for n, notes in enumerate(STORIES[:5])]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_resume_skips_done_ids_and_rewrites_a_cut_off_line(
    batch_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    whole = tmp_path / "whole.jsonl"
    code, out, _ = _cli(["coach", "--batch", str(batch_file), "--resume", str(whole)], capsys)
    assert code == 0 and out == ""  # results go to the file, not to standard output
    expected = whole.read_text(encoding="utf-8").splitlines(keepends=True)
    assert [json.loads(line)["id"] for line in expected] == ["s0", "s1", "s2", "s3", "s4"]

    # An interrupted run: s0 and s2 written, s3's line cut off mid-write, and an error for s1.
    failed = json.dumps({"id": "s1", "error": {"line": 2, "message": "model down"}}) + "\n"
    partial = tmp_path / "out.jsonl"
    partial.write_text(expected[0] + failed + expected[2] + expected[3][:40], encoding="utf-8")
    assert finished_ids(partial) == {'"s0"', '"s2"'}
    assert partial.read_text(encoding="utf-8") == expected[0] + expected[2]

    code, out, _ = _cli(["coach", "--batch", str(batch_file), "--resume", str(partial)], capsys)
    lines = partial.read_text(encoding="utf-8").splitlines(keepends=True)
    assert code == 0 and out == ""
    assert [json.loads(line)["id"] for line in lines] == ["s0", "s2", "s1", "s3", "s4"]
    assert sorted(lines) == sorted(expected)  # one whole result per story, as a full run writes

    # Everything done: nothing is coached again and the file is left as it is.
    code, _, _ = _cli(["coach", "--batch", str(batch_file), "--resume", str(partial)], capsys)
    assert code == 0 and partial.read_text(encoding="utf-8").splitlines(keepends=True) == lines


def test_resume_coaches_only_what_is_left(batch_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    stories = read_stories(batch_file)
    out.write_text(json.dumps({"id": "s1", "engine": "offline"}) + "\n", encoding="utf-8")
    coached: list[str] = []

    def coach(notes: str) -> CoachResult:
        coached.append(notes)
        return _offline(notes)

    left = to_do(stories, finished_ids(out))
    run_batch(left, coach, io.StringIO(), concurrency=2)
    assert coached == [STORIES[0], *STORIES[2:5]]


@pytest.mark.parametrize("content", ["just notes\n", '{"notes": "no id"}\n'])
def test_resume_refuses_a_file_that_is_not_batch_output(
    content: str, batch_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text(content, encoding="utf-8")
    code, _, err = _cli(["coach", "--batch", str(batch_file), "--resume", str(other)], capsys)
    assert code == 2 and "not a storycoach batch result" in err
    assert other.read_text(encoding="utf-8") == content


def test_resume_goes_with_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(STORIES[0], encoding="utf-8")
    code, _, err = _cli(["coach", str(notes), "--resume", str(tmp_path / "out.jsonl")], capsys)
    assert code == 2 and "--resume goes with --batch" in err


@pytest.fixture
def sigint_raises() -> Iterator[None]:
    """Ctrl-C as Python's default: KeyboardInterrupt in the main thread."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_finishes_running_stories_and_leaves_whole_lines(
    sigint_raises: None, tmp_path: Path
) -> None:
    stories = _stories(STORIES)
    started: list[str] = []

    def coach(notes: str) -> CoachResult:
        started.append(notes)
        if len(started) == 3:
            time.sleep(0.05)  # the main thread is waiting for the first story by now
            os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)  # still running when the main thread takes the Ctrl-C
        return _offline(notes)

    out = tmp_path / "out.jsonl"
    with out.open("w", encoding="utf-8") as handle:
        report = run_batch(stories, coach, handle, concurrency=4)
    ids = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert report.interrupted and report.written == len(ids) == len(started)
    assert len(ids) == 4 and ids == [s.id for s in stories[: len(ids)]]


def test_ctrl_c_in_turn_stops_after_the_last_whole_line() -> None:
    def coach(notes: str) -> CoachResult:
        if notes == STORIES[2]:
            raise KeyboardInterrupt
        return _offline(notes)

    out = io.StringIO()
    report = run_batch(_stories(STORIES[:5]), coach, out)
    assert report == BatchReport(written=2, failed=0, interrupted=True)
    assert [r["id"] for r in _rows(out.getvalue())] == ["story-1", "story-2"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "shown"), [(io.StringIO(), False), (Terminal(), True)])
def test_progress_only_on_a_terminal(stream: io.StringIO, shown: bool) -> None:
    def coach(notes: str) -> CoachResult:
        if notes == STORIES[1]:
            raise InputError("The notes are empty.")
        return _offline(notes)

    run_batch(_stories(STORIES[:3]), coach, io.StringIO(), terminal=stream)
    text = stream.getvalue()
    assert bool(text) is shown
    if shown:
        last = text.rstrip("\n").split("\r")[-1]
        assert last.startswith("3/3 done, 1 failed, 0 tokens, $0.0000, 0s left")
        assert text.endswith("\n")

"""`make bench`: speed figures, printed (never a pass/fail test).

- one 400-word story coached offline in-process: median and p95 over repeated runs;
- 1,000 stories through `storycoach coach --batch` on one core: wall time;
- the model pipeline on a fake model of fixed latency: round trips and wall time, and the tokens
  each run spends on the seed's four case studies;
- a batch of 20 stories on that fake model, one after another and concurrently: wall time;
- the restructure step's tokens with the notes as numbered units, against quoting them back;
- the model path's fixed cost: the CLI against a local server that answers at once, and offline;
- the app in headless Chromium: Coach click to the next version drawn.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

from benchmarks import browser_click, citations, fast_start
from benchmarks.fake_model import EchoModel, coach_with
from coach.config import PROJECT_ROOT, Settings, get_settings
from coach.judgement.cues import tokenize
from coach.judgement.injection import find_injections
from coach.judgement.offline import build_result, coach_offline, prepare_notes
from coach.judgement.placement import measure_all
from coach.judgement.restructurer import restructure
from coach.judgement.rubrics import load_rubrics
from coach.judgement.segmenter import split_lines, split_units
from coach.learning.calibration import read_seed
from coach.learning.corpus import read_adversarial_sets, read_corpus, read_corpus_file
from coach.llm.pipeline import run_coach
from coach.models import Engine, Framework, Level, RunOptions
from coach.surfaces.batch import Story, run_batch
from tests.processes import answers, free_port, running

WORDS = 400
RUNS = 300
BATCH = 1000


def _stories() -> list[str]:
    # The shared story bank's bullets: real notes, the same text every run.
    bank = get_settings().corpus_dir / "stories" / "shared" / "omars.jsonl"
    return [story.notes for story in read_corpus_file(bank)]


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


def _fastest_ms(step: Callable[[], object], runs: int = 200) -> float:
    """The fastest of `runs` calls, in milliseconds: the least disturbed by the machine."""
    best = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def bench_phases(notes: str) -> None:
    """Where one run's time goes, step by step (each step's fastest run)."""
    rubrics = load_rubrics(get_settings().rubrics_dir)
    boundary = rubrics.star_plus.clause_boundaries
    lines = split_lines(notes)
    units = split_units(
        notes, lines, boundary.regex, boundary.min_words, boundary.splittable(notes)
    )
    spans = [(unit.start, unit.end) for unit in units]
    tokens = tokenize(notes, (start for start, _ in spans))
    prepared = prepare_notes(notes, rubrics)
    graded = prepared.grade(rubrics, Level.L6, Framework.STAR)
    steps: dict[str, Callable[[], object]] = {
        "injections": lambda: find_injections(notes, rubrics.injection, lines),
        "lines": lambda: split_lines(notes),
        "sentences and clauses": lambda: split_units(
            notes, lines, boundary.regex, boundary.min_words, boundary.splittable(notes)
        ),
        "words": lambda: tokenize(notes, (start for start, _ in spans)),
        "cues": lambda: rubrics.scoring_cues.find(tokens),
        "figures": lambda: measure_all(notes, spans, rubrics.quantification, tokens),
        "restructure in all": lambda: restructure(notes, rubrics, lines),
        "grade": lambda: prepared.grade(rubrics, Level.L6, Framework.STAR),
        "result": lambda: build_result(prepared, graded, rubrics, Level.L6, Framework.STAR),
    }
    print("  where it goes (ms, fastest run): " + "; ".join(
        f"{name} {_fastest_ms(step):.2f}" for name, step in steps.items()
    ))  # fmt: skip


def bench_batch(stories: list[str]) -> float:
    """Seconds for the CLI to coach BATCH stories, pinned to one core when possible."""
    with tempfile.TemporaryDirectory() as folder:
        batch = Path(folder) / "batch.jsonl"
        with batch.open("w", encoding="utf-8") as handle:
            for i in range(BATCH):
                handle.write(json.dumps({"id": i, "notes": stories[i % len(stories)]}) + "\n")
        # --engine offline: with a key in the environment or .env, the default engine would send
        # every story to the model.
        command = [
            sys.executable, "-m", "coach", "coach", "--engine", "offline", "--batch", str(batch)
        ]  # fmt: skip
        if shutil.which("taskset"):
            command = ["taskset", "-c", "0", *command]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=PROJECT_ROOT)
        return time.perf_counter() - start


LATENCY = 0.5


def _offline_env(data_dir: str) -> dict[str, str]:
    """Variables that keep the app offline with its data in `data_dir`, whatever .env says."""
    # Blank counts as unset in Settings, and the environment outranks a developer's .env.
    blank = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "STORYCOACH_OPENAI_API_KEY",
             "STORYCOACH_OPENAI_BASE_URL")  # fmt: skip
    return {"STORYCOACH_DATA_DIR": data_dir} | dict.fromkeys(blank, "")


def _seconds_to_healthy(folder: str) -> float:
    """Seconds from `streamlit run` to `/_stcore/health` answering "ok"; the server then stops."""
    port = free_port()
    health = f"http://127.0.0.1:{port}/_stcore/health"
    start = time.perf_counter()
    with running(
        "streamlit",
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        log_path=Path(folder) / "streamlit.log",
        ready=lambda: answers(health, b"ok"),
        cwd=PROJECT_ROOT,
        env={**os.environ, **_offline_env(folder)},
        poll_seconds=0.02,
    ):  # fmt: skip
        return time.perf_counter() - start


def bench_app() -> None:
    """Seconds from `streamlit run` to a healthy server and a first drawn page; a Coach run."""
    from streamlit.testing.v1 import AppTest

    from coach.bank import StoryBank
    from coach.surfaces.workspace import Workspace

    with tempfile.TemporaryDirectory() as folder:
        healthy = _seconds_to_healthy(folder)
        # AppTest runs the app in this process: its settings come from os.environ, restored after.
        with mock.patch.dict(os.environ, _offline_env(folder)):
            get_settings.cache_clear()
            try:
                page = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
                start = time.perf_counter()
                page.run()
                first_page = time.perf_counter() - start
                settings = get_settings()
            finally:
                get_settings.cache_clear()
        rubrics = load_rubrics(settings.rubrics_dir)
        with StoryBank.for_data_dir(Path(folder)) as bank:
            story = bank.create_story("bench")
            workspace = Workspace(settings, rubrics, bank)
            notes = _story_of(WORDS, _stories())
            times = []
            for _ in range(20):
                begin = time.perf_counter()
                workspace.coach(story.id, notes, [], RunOptions(engine=Engine.OFFLINE))
                times.append((time.perf_counter() - begin) * 1000)
        print(
            f"app: streamlit run to a healthy server {healthy:.2f} s; first page drawn "
            f"{first_page:.2f} s; a Coach run (offline, {WORDS} words, saved as a version) "
            f"median {statistics.median(times):.1f} ms"
        )


def _model_settings(data_dir: Path) -> Settings:
    """A model configured for the fake model (the key is never sent), data in `data_dir`."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        openai_api_key="sk-bench-not-sent",
        model="gpt-4o-mini",
        tiktoken_cache_dir=get_settings().tiktoken_cache_dir,
        data_dir=data_dir,
    )


def bench_pipeline() -> None:
    """Round trips, wall time and tokens of the model pipeline on the seed's case studies."""
    base = get_settings()
    with tempfile.TemporaryDirectory() as folder:
        settings = _model_settings(Path(folder))
        rubrics = load_rubrics(settings.rubrics_dir)
        for case in read_seed(base.seed_path):
            model = EchoModel(rubrics=rubrics, latency=LATENCY)
            start = time.perf_counter()
            result = run_coach(
                case.notes,
                settings=settings,
                rubrics=rubrics,
                options=RunOptions(target=case.level, engine=Engine.LLM),
                model_factory=lambda m=model: m,
            )
            wall = time.perf_counter() - start
            report = result.llm
            assert report is not None
            usage = report.usage
            print(
                f"  {case.title[:38]:38} {report.round_trips} round trips, {report.calls} calls, "
                f"{wall:.2f} s wall ({LATENCY:g} s a call); tokens in {usage.prompt_tokens:,}, "
                f"out {usage.completion_tokens:,} (estimated), ${usage.cost_usd:.4f} at "
                f"{settings.price_input_per_million:g}/{settings.price_output_per_million:g} $/M"
            )


MODEL_BATCH = 20


def bench_model_batch() -> None:
    """Wall time of a batch on the model engine, one story after another and concurrently."""
    base = get_settings()
    shared = read_corpus([base.corpus_dir / "stories" / "shared"])  # the seed's and Omar's
    stories = [Story(n, n, notes=s.notes) for n, s in enumerate(shared[:MODEL_BATCH], 1)]
    with tempfile.TemporaryDirectory() as folder:
        settings = _model_settings(Path(folder))
        rubrics = load_rubrics(settings.rubrics_dir)
        coach = coach_with(EchoModel(rubrics=rubrics, latency=LATENCY), settings, rubrics)

        outputs = []
        for concurrency in (1, settings.batch_concurrency):
            out = io.StringIO()
            start = time.perf_counter()
            report = run_batch(stories, coach, out, concurrency=concurrency)
            wall = time.perf_counter() - start
            assert report.written == len(stories) and not report.failed
            outputs.append(out.getvalue())
            print(
                f"  concurrency {concurrency}: {len(stories)} stories in {wall:.2f} s wall "
                f"({LATENCY:g} s a call)"
            )
        assert outputs[0] == outputs[1], "the output changed with the concurrency"


@contextlib.contextmanager
def _on_one_core() -> Iterator[None]:
    """Run this process on one core, as the batch runs: steadier figures. Restored after."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def _print_in_process(notes: str) -> None:
    with _on_one_core():
        median, p95 = bench_in_process(notes)
    print(
        f"offline coach, one {WORDS}-word story, in-process: median {median:.2f} ms, "
        f"p95 {p95:.2f} ms (budget: a story in the app well under 50 ms)"
    )


def bench_training() -> None:
    """Seconds to fit the learned models to the whole corpus, as `make train` does."""
    from coach.learning import training  # CRFsuite and scikit-learn: the train extra

    rubrics = load_rubrics(get_settings().rubrics_dir)
    stories = read_corpus([get_settings().corpus_dir / "stories"])
    sets = read_adversarial_sets(get_settings().corpus_dir)
    took = training.fit(stories, rubrics, [r for records in sets.values() for r in records]).seconds
    print(
        f"training on {len(stories)} stories: {sum(took.values()):.1f} s (figure tagger "
        f"{took['figures']:.1f} s, placement features {took['features']:.1f} s, placement CRF "
        f"{took['placement']:.1f} s, level model {took['level']:.1f} s, injection reader "
        f"{took['injection']:.1f} s)"
    )


def main() -> None:
    """Print the figures."""
    stories = _stories()
    notes = _story_of(WORDS, stories)
    _print_in_process(notes)
    with _on_one_core():
        bench_phases(notes)
    seconds = bench_batch(stories)
    print(f"storycoach coach --batch, {BATCH} stories, one core: {seconds:.2f} s (budget: < 8 s)")
    print(f"model pipeline, fake model with {LATENCY:g} s latency, the seed's case studies:")
    bench_pipeline()
    print(f"storycoach coach --batch on the model engine, fake model with {LATENCY:g} s latency:")
    bench_model_batch()
    citations.report()
    fast_start.report()
    bench_app()
    browser_click.report(notes, _offline_env, WORDS)
    bench_training()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()

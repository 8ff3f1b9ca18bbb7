"""Shared fixtures: the project's rubrics, the shared seed and story bank, clean settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT, Settings, get_settings
from coach.judgement.figures import find_figures
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet, load_rubrics
from coach.models import CoachResult, Figure, Framework, Level
from tests.llama_server import llama_base_url, without_proxies

__all__ = ["llama_base_url", "without_proxies"]  # fixtures shared by the llamacpp tests

SHARED = PROJECT_ROOT.parent / "shared"
SEED = SHARED / "seed" / "000_9657d72ec2f14d4c.txt"
STORY_BANK = SHARED / "eval" / "omars_story_bank.jsonl"
DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-snapshots",
        action="store_true",
        help="rewrite tests/snapshots from the current prompts (then review the diff)",
    )


@pytest.fixture(scope="session")
def rubrics() -> RubricSet:
    """The rubrics shipped in rubrics/."""
    return load_rubrics(PROJECT_ROOT / "rubrics")


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test reads settings afresh: no developer's environment or .env leaks in, and the data
    folder (drafts, model-answer cache, story bank) is the test's own `tmp_path / "data"`."""
    for name in list(os.environ):
        if name.startswith(("STORYCOACH_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STORYCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(PROJECT_ROOT / "tests")  # Settings reads .env from the working directory
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed document CI places beside the project."""
    assert SEED.exists(), f"the shared seed is missing at {SEED}"
    return SEED.read_text(encoding="utf-8")


def figures_in(text: str, rubrics: RubricSet) -> list[Figure]:
    """The figures of all of `text`, each checked to be the exact span it claims."""
    quant = rubrics.quantification
    found = find_figures(
        text, 0, len(text), count_nouns=quant.count_noun_set,
        not_figure_after=quant.not_figure_after_set,
    )  # fmt: skip
    for figure in found:
        assert text[figure.start : figure.end] == figure.text
    return found


def coach(
    notes: str,
    rubrics: RubricSet,
    target: Level = Level.L6,
    framework: Framework = Framework.STAR,
) -> CoachResult:
    """Coach notes offline with a generous size limit."""
    return coach_offline(notes, rubrics, target=target, framework=framework, max_chars=200_000)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A model configured (a key, never sent: tests use fake models), data in `tmp_path`.
    Modules that need other settings (the llama.cpp tests) define their own."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        openai_api_key="sk-test-secret-000",
        model="gpt-4o-mini",
        data_dir=tmp_path / "data",
        tiktoken_cache_dir=tmp_path / "tiktoken",
        max_retries=2,
        retry_backoff_seconds=1.0,
    )


def rubrics_copy(folder: Path, name: str, old: str, new: str) -> Path:
    """The shipped rubrics copied into `folder`, with `old` replaced by `new` in file `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in (PROJECT_ROOT / "rubrics").iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    edited = folder / name
    text = edited.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    edited.write_text(text.replace(old, new), encoding="utf-8")
    return folder

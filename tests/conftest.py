"""Shared fixtures: the project's rubrics, the shared seed and story bank, clean settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT, get_settings
from coach.engine import coach_offline
from coach.models import CoachResult, Framework, Level
from coach.rubrics import RubricSet, load_rubrics
from tests.llama_server import llama_base_url

__all__ = ["llama_base_url"]  # a session fixture shared by the llamacpp tests

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
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test reads settings afresh and no developer's .env leaks in."""
    for name in ("STORYCOACH_MAX_NOTES_CHARS", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(PROJECT_ROOT / "tests")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed document CI places beside the project."""
    assert SEED.exists(), f"the shared seed is missing at {SEED}"
    return SEED.read_text(encoding="utf-8")


def coach(
    notes: str,
    rubrics: RubricSet,
    target: Level = Level.L6,
    framework: Framework = Framework.STAR,
) -> CoachResult:
    """Coach notes offline with a generous size limit."""
    return coach_offline(notes, rubrics, target=target, framework=framework, max_chars=200_000)

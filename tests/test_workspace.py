"""The app's state holder: engines offered, keys masked, runs saved as versions, answers carried."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel

from coach.bank import Answer as StoredAnswer
from coach.bank import StoryBank
from coach.config import Settings
from coach.errors import InputError
from coach.judgement.answers import Answer
from coach.judgement.rubrics import RubricSet
from coach.llm import factory as llm
from coach.models import Engine, Framework, Level, RunOptions, Section
from coach.surfaces.workspace import Workspace, mask_key
from tests.conftest import coach

NOTES = (
    "Situation: checkout p99 was 850ms at peak.\nAction: I moved the inventory check to a queue.\n"
    "Result: p99 dropped to 320ms."
)
OFFLINE = RunOptions(target=Level.L7, framework=Framework.PSI, engine=Engine.OFFLINE)
LESSON = Answer("section.lessons", "Measure before tuning.", Section.LESSONS, "What did you learn?")


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[StoryBank]:
    with StoryBank.for_data_dir(tmp_path / "bank") as opened:
        yield opened


class _ModelDownError(Exception):
    """A model that cannot be built (no error the pipeline knows: it surfaces as is)."""


def _no_model() -> BaseChatModel:
    raise AssertionError("an offline run built the model")


def _offline_settings(tmp_path: Path, **fields: object) -> Settings:
    return Settings(_env_file=None, data_dir=tmp_path / "data", **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("sk-test-secret-000", "\u2026-000"),
        ("sk-abcdefgh1234", "\u20261234"),
        ("sk-short", "\u2026"),
    ],
)
def test_a_key_is_shown_by_its_last_four_characters_at_most(
    key: str, shown: str, tmp_path: Path
) -> None:
    masked = mask_key(_offline_settings(tmp_path, openai_api_key=key))
    assert masked == shown
    assert key[:-4] not in (masked or "")


def test_no_key_shows_nothing(tmp_path: Path) -> None:
    assert mask_key(_offline_settings(tmp_path)) is None


def test_without_a_model_only_the_offline_engine_is_offered(
    tmp_path: Path, rubrics: RubricSet, bank: StoryBank
) -> None:
    workspace = Workspace(_offline_settings(tmp_path), rubrics, bank, _no_model)
    assert [c.engine for c in workspace.engine_choices()] == [Engine.OFFLINE]


def test_a_configured_model_is_offered_after_offline_by_its_label(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    choices = Workspace(settings, rubrics, bank, _no_model).engine_choices()
    assert [c.engine for c in choices] == [Engine.OFFLINE, Engine.LLM]
    assert settings.model in choices[1].label
    assert "secret" not in choices[1].label


def test_a_local_server_is_offered_without_its_password(
    tmp_path: Path, rubrics: RubricSet, bank: StoryBank
) -> None:
    local = _offline_settings(tmp_path, openai_base_url="http://me:hunter2@127.0.0.1:8080/v1")
    [_, model] = Workspace(local, rubrics, bank, _no_model).engine_choices()
    assert "127.0.0.1:8080" in model.label and "hunter2" not in model.label


def test_an_offline_run_saves_the_draft_options_and_a_version_with_its_answers(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    story = bank.create_story("Checkout latency")
    workspace = Workspace(settings, rubrics, bank, _no_model)
    version = workspace.coach(story.id, NOTES, [LESSON], OFFLINE)
    detail = bank.get_story(story.id)
    assert detail.draft == NOTES
    assert (detail.target, detail.framework) == (Level.L7, Framework.PSI)
    assert [v.number for v in detail.versions] == [version.number] == [1]
    assert version.notes == NOTES and version.result.engine is Engine.OFFLINE
    assert version.result.target is Level.L7 and version.result.framework is Framework.PSI
    [stored] = version.answers
    assert (stored.slot, stored.answer, stored.section) == (
        LESSON.slot,
        LESSON.answer,
        LESSON.section,
    )


def test_every_run_is_a_new_version(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    story = bank.create_story("Checkout latency")
    workspace = Workspace(settings, rubrics, bank, _no_model)
    workspace.coach(story.id, NOTES, [], OFFLINE)
    second = workspace.coach(story.id, NOTES + " Pages fell.", [], OFFLINE)
    assert second.number == 2
    assert bank.get_version(story.id, 1).notes == NOTES


def test_the_notes_are_saved_before_a_failing_model_is_called(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    story = bank.create_story("Checkout latency")

    def broken() -> BaseChatModel:
        raise _ModelDownError

    workspace = Workspace(settings, rubrics, bank, broken)  # the factory given is the one used
    with pytest.raises(_ModelDownError):
        workspace.coach(story.id, NOTES, [], RunOptions(engine=Engine.LLM))
    assert bank.get_story(story.id).draft == NOTES
    assert bank.get_story(story.id).versions == ()


def test_an_offline_run_never_builds_the_configured_model(
    settings: Settings, rubrics: RubricSet, bank: StoryBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build(*_: object, **__: object) -> BaseChatModel:
        raise AssertionError("the model was built for an offline run")

    monkeypatch.setattr(llm, "build_chat_model", build)
    story = bank.create_story("Checkout latency")
    version = Workspace(settings, rubrics, bank).coach(story.id, NOTES, [], OFFLINE)
    assert version.result.engine is Engine.OFFLINE


def test_a_versions_answers_are_carried_to_the_next_run(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    story = bank.create_story("Checkout latency")
    workspace = Workspace(settings, rubrics, bank, _no_model)
    version = workspace.coach(story.id, NOTES, [LESSON], OFFLINE)
    assert workspace.carried_answers(story.id, version.number) == [LESSON]


def test_no_version_carries_no_answers(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    story = bank.create_story("Checkout latency")
    assert Workspace(settings, rubrics, bank, _no_model).carried_answers(story.id, None) == []


def test_answers_saved_without_a_section_are_not_carried(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    # Versions saved before answers were pinned to a section cannot be placed again.
    story = bank.create_story("Checkout latency")
    unpinned = StoredAnswer(question="How?", answer="Datadog.", slot="method")
    pinned = StoredAnswer(
        question=LESSON.question, answer=LESSON.answer, slot=LESSON.slot, section=LESSON.section
    )
    bank.add_version(
        story.id, notes=NOTES, result=coach(NOTES, rubrics), answers=[unpinned, pinned]
    )
    carried = Workspace(settings, rubrics, bank, _no_model).carried_answers(story.id, 1)
    assert carried == [LESSON]


def test_notes_that_cannot_be_coached_leave_no_story_behind(
    tmp_path: Path, rubrics: RubricSet, bank: StoryBank
) -> None:
    workspace = Workspace(_offline_settings(tmp_path), rubrics, bank, model_factory=_no_model)
    with pytest.raises(InputError, match="empty"):
        workspace.coach_new("  \n", [], OFFLINE)
    assert bank.list_stories() == []


def test_a_story_kept_from_notes_alone_is_titled_by_their_first_line(
    tmp_path: Path, rubrics: RubricSet, bank: StoryBank
) -> None:
    workspace = Workspace(_offline_settings(tmp_path), rubrics, bank, model_factory=_no_model)
    version = workspace.coach_new(NOTES, [], OFFLINE)
    [story] = bank.list_stories()
    assert story.title == "Situation: checkout p99 was 850ms at peak."
    assert (story.id, story.version_count) == (version.story_id, 1)

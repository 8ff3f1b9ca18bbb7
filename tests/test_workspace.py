"""What the app and the CLI's model runs do without widgets: keep notes before anything is sent,
keep every run as a version, carry answers forward, and never show more of a key than its end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from coach.bank import StoryBank
from coach.config import Settings
from coach.errors import InputError
from coach.judgement.answers import Answer
from coach.judgement.rubrics import RubricSet
from coach.models import Engine, Framework, Level, RunOptions, Section
from coach.surfaces.workspace import Workspace, mask_key
from tests.fakes import ScriptedModel, script, tool_reply

NOTES = (
    "Checkout p99 was 850ms at peak.\nI moved the inventory call to a queue.\n"
    "p99 fell to 320ms in two weeks."
)


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[StoryBank]:
    with StoryBank.for_data_dir(tmp_path / "bank") as opened:
        yield opened


def _offline(settings: Settings, rubrics: RubricSet, bank: StoryBank) -> Workspace:
    return Workspace(settings, rubrics, bank, model_factory=lambda: pytest.fail("no model"))


@pytest.mark.parametrize(
    ("key", "shown"), [("sk-test-secret-000", "…-000"), ("sk-12345", "…"), (None, None)]
)
def test_a_key_is_shown_by_its_last_four_characters_at_most(
    settings: Settings, key: str | None, shown: str | None
) -> None:
    secret = SecretStr(key) if key is not None else None
    assert mask_key(settings.model_copy(update={"openai_api_key": secret})) == shown


def test_the_model_is_offered_only_when_one_is_configured(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    offered = [c.engine for c in _offline(settings, rubrics, bank).engine_choices()]
    assert offered == [Engine.OFFLINE, Engine.LLM]
    unset = settings.model_copy(update={"openai_api_key": None})
    assert [c.engine for c in _offline(unset, rubrics, bank).engine_choices()] == [Engine.OFFLINE]


def test_the_notes_are_kept_before_the_model_is_asked(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    story = bank.create_story("Checkout latency")
    drafts_when_asked: list[str] = []

    def look_then_answer_nothing(prompt: str) -> object:
        drafts_when_asked.append(bank.get_story(story.id).draft)
        return tool_reply("DraftStory", {})

    model = ScriptedModel(
        script=script(
            story={}, verdict={"level": "unclear"}, restructure=[look_then_answer_nothing]
        )
    )
    workspace = Workspace(settings, rubrics, bank, model_factory=lambda: model)
    version = workspace.coach(story.id, NOTES, [], RunOptions(Level.L7, Framework.PSI, Engine.LLM))
    assert drafts_when_asked == [NOTES]
    kept = bank.get_story(story.id)
    assert (kept.target, kept.framework, kept.version_count) == (Level.L7, Framework.PSI, 1)
    assert version.number == 1 and version.notes == NOTES


def test_every_run_is_a_new_version_that_keeps_its_answers(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    workspace = _offline(settings, rubrics, bank)
    story = bank.create_story("Checkout latency")
    options = RunOptions(engine=Engine.OFFLINE)
    first = workspace.coach(story.id, NOTES, [], options)
    answer = Answer("section.lessons", "I would load-test before the freeze.", Section.LESSONS, "?")
    second = workspace.coach(story.id, NOTES, [answer], options)
    assert (first.number, second.number) == (1, 2)
    assert [a.answer for a in second.answers] == ["I would load-test before the freeze."]
    assert workspace.carried_answers(story.id, 2) == [answer]
    assert workspace.carried_answers(story.id, 1) == []
    assert workspace.carried_answers(story.id, None) == []


def test_notes_that_cannot_be_coached_leave_no_story_behind(
    settings: Settings, rubrics: RubricSet, bank: StoryBank
) -> None:
    with pytest.raises(InputError, match="empty"):
        _offline(settings, rubrics, bank).coach_new("  \n", [], RunOptions(engine=Engine.OFFLINE))
    assert bank.list_stories() == []

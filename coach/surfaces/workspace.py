"""What the app and the CLI's model runs do, without widgets: stories, drafts, coaching runs and
versions, all kept in the story bank.

The app renders; this module decides. Drafts are saved in the bank before any model call, every
Coach run becomes a new version, and the model is built once, lazily, only when it is chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from coach.bank import Answer as StoredAnswer
from coach.bank import StoryBank, VersionRecord
from coach.config import Settings
from coach.judgement.answers import Answer
from coach.judgement.offline import check_notes
from coach.judgement.rubrics import RubricSet
from coach.llm import pipeline
from coach.llm.redaction import RedactionList
from coach.models import Engine, RunOptions

if TYPE_CHECKING:  # the model libraries load only when a model is used
    from langchain_core.language_models import BaseChatModel

# A story kept from notes alone is titled by their first line, cut to fit a story list.
_TITLE_CHARS: Final = 80
_UNTITLED: Final = "Notes from the command line"


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """An engine the user may pick, with the label the sidebar shows."""

    engine: Engine
    label: str


def mask_key(settings: Settings) -> str | None:
    """The API key as the UI may show it: never more than its last four characters."""
    if settings.openai_api_key is None:
        return None
    key = settings.openai_api_key.get_secret_value()
    return "…" + key[-4:] if len(key) > 8 else "…"


class Workspace:
    """Stories, drafts and coaching runs for one app process."""

    def __init__(
        self,
        settings: Settings,
        rubrics: RubricSet,
        bank: StoryBank,
        model_factory: Callable[[], BaseChatModel] | None = None,
    ) -> None:
        self.settings = settings
        self.rubrics = rubrics
        self.bank = bank
        # A factory passed in (a test's fake) is used as given; the real model is built once.
        self._model_factory = model_factory or pipeline.lazy_chat_model(settings)

    def engine_choices(self) -> list[EngineChoice]:
        """Offline always; the configured model when there is one."""
        choices = [EngineChoice(Engine.OFFLINE, "Offline: nothing leaves this machine")]
        if self.settings.llm_configured:
            choices.append(EngineChoice(Engine.LLM, f"Model: {self.settings.model_label}"))
        return choices

    def coach(
        self,
        story_id: int,
        notes: str,
        answers: Sequence[Answer],
        options: RunOptions,
        *,
        names: RedactionList | None = None,
        progress: pipeline.Progress | None = None,
    ) -> VersionRecord:
        """Save the notes, coach them with the answers (each pinned to the section its question
        named), keep the result as a version with its answers."""
        self.bank.save_draft(story_id, notes)  # before any model call: nothing can be lost
        self.bank.set_options(story_id, target=options.target, framework=options.framework)
        result = pipeline.run_coach(
            notes,
            settings=self.settings,
            rubrics=self.rubrics,
            options=options,
            model_factory=self._model_factory,
            names=names,
            progress=progress or (lambda _: None),
            answers=answers,
        )
        return self.bank.add_version(
            story_id,
            notes=notes,
            result=result,
            answers=[
                StoredAnswer(question=a.question, answer=a.answer, slot=a.slot, section=a.section)
                for a in answers
            ],
        )

    def coach_new(
        self, notes: str, answers: Sequence[Answer], options: RunOptions
    ) -> VersionRecord:
        """Keep the notes as a new story (titled by their first line) before anything is sent,
        then coach it as `coach` does: the CLI's model runs are in the bank, as the app's are."""
        check_notes(notes, self.settings.max_notes_chars)  # no story for notes that cannot run
        story = self.bank.create_story(
            title_of(notes), draft=notes, target=options.target, framework=options.framework
        )
        return self.coach(story.id, notes, answers, options)

    def carried_answers(self, story_id: int, number: int | None) -> list[Answer]:
        """The answers version `number` was coached with: they stand in the next version too,
        until the user folds them into the notes or takes them back."""
        if number is None:
            return []
        version = self.bank.get_version(story_id, number)
        return [
            Answer(a.slot, a.answer, a.section, a.question)
            for a in version.answers
            if a.section is not None
        ]


def title_of(notes: str) -> str:
    """A story title from its notes: the first line with words, without list or heading marks."""
    for line in notes.splitlines():
        words = " ".join(line.strip().lstrip("#*->•").split())
        if words:
            return words if len(words) <= _TITLE_CHARS else words[: _TITLE_CHARS - 1] + "…"
    return _UNTITLED

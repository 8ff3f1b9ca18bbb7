"""What the app does, without widgets: stories, drafts, coaching runs and versions.

The app renders; this module decides. Drafts are saved before any model call, every Coach run
becomes a new version, and the model is built once, lazily, only when the user chooses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from coach.bank import Answer as StoredAnswer
from coach.bank import StoryBank, VersionRecord
from coach.config import Settings
from coach.judgement.answers import Answer
from coach.judgement.rubrics import RubricSet
from coach.llm import pipeline
from coach.llm.redaction import RedactionList
from coach.models import Engine, RunOptions


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

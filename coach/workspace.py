"""What the app does, without widgets: stories, drafts, coaching runs and versions.

The app renders; this module decides. Drafts are saved before any model call, every Coach run
becomes a new version, and the model is built once, lazily, only when the user chooses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from coach import pipeline
from coach.bank import Answer, StoryBank, VersionRecord
from coach.config import Settings
from coach.history import AnsweredQuestion, fold_answers
from coach.models import Engine
from coach.redaction import RedactionList
from coach.rubrics import RubricSet


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
        answers: Sequence[AnsweredQuestion],
        options: pipeline.RunOptions,
        *,
        names: RedactionList | None = None,
        progress: pipeline.Progress | None = None,
    ) -> VersionRecord:
        """Fold the answers into the notes, save them, coach them, keep the result as a version."""
        folded = fold_answers(notes, answers) if answers else notes
        self.bank.save_draft(story_id, folded)  # before any model call: nothing can be lost
        self.bank.set_options(story_id, target=options.target, framework=options.framework)
        result = pipeline.run_coach(
            folded,
            settings=self.settings,
            rubrics=self.rubrics,
            options=options,
            model_factory=self._model_factory,
            names=names,
            progress=progress or (lambda _: None),
        )
        return self.bank.add_version(
            story_id,
            notes=folded,
            result=result,
            answers=[Answer(question=a.question, answer=a.answer, slot=a.slot) for a in answers],
        )

"""A chat model with a fixed latency that answers from the notes themselves, for `make bench`.

It restructures by echoing the offline engine's placement (every sentence cites its unit), judges
with one quoted signal, and coaches with no rewording: valid, guard-clean answers at a known cost
in time, so the benchmark measures the pipeline, not a model.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from coach.config import Settings
from coach.judgement.restructurer import restructure
from coach.judgement.rubrics import RubricSet
from coach.llm.pipeline import run_coach
from coach.models import CoachResult, Engine, RunOptions

_BETWEEN = re.compile(r"(=====NOTES [0-9a-f]+=====)\n(.*)\n\1", re.DOTALL)


class EchoModel(BaseChatModel):
    """Answers restructure, judge and coaching prompts after `latency` seconds."""

    rubrics: Any
    latency: float = 0.5

    @property
    def _llm_type(self) -> str:
        return "echo"

    def bind_tools(self, tools: Any, *, tool_choice: Any = None, **kwargs: Any) -> Any:
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        time.sleep(self.latency)
        prompt = "\n".join(str(m.content) for m in messages)
        found = _BETWEEN.search(prompt)
        data = found.group(2) if found else ""
        if "Restructure the notes" in prompt or "not supported by the notes" in prompt:
            name, args = "DraftStory", self._story(data)
        elif "Judge the level" in prompt:
            quote = data.strip().splitlines()[0][:120] if data.strip() else ""
            name = "JudgeVerdict"
            args = {
                "level": "L6",
                "signals": [{"dimension": "scope", "level": "L6", "quote": quote}],
            }
        else:
            name, args = "CoachingAdvice", {"questions": [], "suggestions": []}
        call = {"name": name, "args": args, "id": "call_1", "type": "tool_call"}
        return ChatResult(generations=[ChatGeneration(message=AIMessage("", tool_calls=[call]))])

    def _story(self, listing: str) -> dict[str, Any]:
        return echo_story(listing, self.rubrics)


_UNIT = re.compile(r"\[(\d+)\] ")


def echo_story(listing: str, rubrics: RubricSet) -> dict[str, Any]:
    """The offline engine's story of numbered notes, each sentence citing the unit it came from."""
    plain, starts, at = [], [], 0
    length = 0
    for found in _UNIT.finditer(listing):
        plain.append(listing[at : found.start()])
        length += found.start() - at
        starts.append((length, int(found.group(1))))
        at = found.end()
    plain.append(listing[at:])
    story = restructure("".join(plain), rubrics).story

    def unit_at(offset: int) -> int:
        return max((n for start, n in starts if start <= offset), default=1)

    return {
        section.value: [{"text": e.text, "units": [unit_at(e.start)]} for e in elements][:6]
        for section, elements in story.sections.items()
    }


def coach_with(
    model: BaseChatModel,
    settings: Settings,
    rubrics: RubricSet,
    sleep: Callable[[float], None] = time.sleep,
) -> Callable[[str], CoachResult]:
    """Coach notes on the model engine with `model`, as `storycoach coach --engine llm` would."""

    def coach(notes: str) -> CoachResult:
        return run_coach(
            notes,
            settings=settings,
            rubrics=rubrics,
            options=RunOptions(engine=Engine.LLM),
            model_factory=lambda: model,
            sleep=sleep,
        )

    return coach

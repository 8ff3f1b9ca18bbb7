"""A chat model with a fixed latency that answers from the notes themselves, for `make bench`.

It restructures by echoing the offline engine's placement (every sentence quotes itself), judges
with one quoted signal, and coaches with no rewording: valid, guard-clean answers at a known cost
in time, so the benchmark measures the pipeline, not a model.
"""

from __future__ import annotations

import re
import time
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from coach.restructurer import restructure
from coach.rubrics import RubricSet

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

    def _story(self, notes: str) -> dict[str, Any]:
        rubrics: RubricSet = self.rubrics
        story = restructure(notes, rubrics).story
        return {
            section.value: [{"text": e.text, "quotes": [e.text]} for e in elements][:6]
            for section, elements in story.sections.items()
        }

"""A scripted chat model for pipeline tests: answers with tool calls, or fails, per prompt; and
the replies and errors an OpenAI-compatible server gives."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import httpx2
import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

Reply = AIMessage | Exception | Callable[[str], AIMessage]

# Which prompt a request comes from, by words only that prompt file contains.
STEPS = {
    "restructure": "Restructure the notes",
    "repair": "not supported by the notes",
    "judge": "Judge the level",
    "coaching": "Rewrite each question",
}
NO_ADVICE: dict[str, Any] = {"questions": [], "suggestions": []}


def tool_reply(name: str, args: dict[str, Any], tokens: tuple[int, int] = (120, 60)) -> AIMessage:
    """An assistant message calling the answer tool `name` with `args`."""
    return AIMessage(
        content="",
        tool_calls=[{"name": name, "args": args, "id": f"call_{name}", "type": "tool_call"}],
        usage_metadata={
            "input_tokens": tokens[0],
            "output_tokens": tokens[1],
            "total_tokens": sum(tokens),
        },
    )


def script(
    *,
    story: dict[str, Any],
    verdict: dict[str, Any],
    advice: dict[str, Any] = NO_ADVICE,
    **overrides: list[Any],
) -> dict[str, list[Any]]:
    """A ScriptedModel script: `story` (also as the repair), `verdict` and `advice` as tool calls,
    each step's queue replaced by `overrides` (restructure=[...], judge=[...])."""
    base: dict[str, list[Any]] = {
        "restructure": [tool_reply("DraftStory", story)],
        "repair": [tool_reply("DraftStory", story)],
        "judge": [tool_reply("JudgeVerdict", verdict)],
        "coaching": [tool_reply("CoachingAdvice", advice)],
    }
    return {**base, **overrides}


def completion(message: dict[str, Any], finish: str = "stop") -> dict[str, Any]:
    """The JSON body of an OpenAI chat.completion answering with `message`."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49},
    }


def http_error(status: int) -> openai.APIStatusError:
    """The error the openai client raises for an HTTP status."""
    request = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")
    response = httpx2.Response(status, request=request)
    kinds: dict[int, type[openai.APIStatusError]] = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        429: openai.RateLimitError,
        500: openai.InternalServerError,
        503: openai.InternalServerError,
    }
    return kinds.get(status, openai.APIStatusError)(f"HTTP {status}", response=response, body=None)


def timeout_error() -> openai.APITimeoutError:
    """The error the openai client raises on a timeout."""
    return openai.APITimeoutError(httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions"))


class ScriptedModel(BaseChatModel):
    """Answers each prompt step from its own queue (its last reply repeats); records every prompt.

    `steps` tells the steps apart by a marker each prompt contains; one step with the marker ""
    answers any prompt.
    """

    script: dict[str, list[Any]] = Field(default_factory=dict)  # Reply values, unvalidated
    steps: dict[str, str] = Field(default_factory=lambda: dict(STEPS))
    prompts: list[str] = Field(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def step_of(self, prompt: str) -> str:
        """The prompt step a prompt text belongs to."""
        for step, marker in self.steps.items():
            if marker in prompt:
                return step
        raise AssertionError(f"unknown prompt: {prompt[:80]!r}")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        prompt = "\n".join(str(m.content) for m in messages)
        with self._lock:
            self.prompts.append(prompt)
            queue = self.script.get(self.step_of(prompt), [])
            if not queue:
                raise AssertionError(f"no scripted reply left for {self.step_of(prompt)}")
            reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        message = reply(prompt) if callable(reply) else reply
        return ChatResult(generations=[ChatGeneration(message=message)])

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> Any:
        return self  # the script decides what to answer


def steps_seen(model: ScriptedModel) -> list[str]:
    """The prompt steps the model was asked, in order."""
    return [model.step_of(p) for p in model.prompts]

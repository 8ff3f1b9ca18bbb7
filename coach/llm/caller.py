"""Call the model for a typed answer: within the run's budget, bounded retries, usage counted.

Every way a call can fail (timeout, rate limit, server error, unreadable or truncated output) is
retried a bounded number of times and then reported as one `LlmError` sentence; the pipeline falls
back to the offline engine. Errors never quote the request, so keys and notes never leak.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import openai
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from coach.config import Settings
from coach.errors import LlmError
from coach.llm import rate_gate
from coach.llm.budget import Usage, count_messages, count_text, token_bound
from coach.llm.cache import hits_counted

_log = logging.getLogger(__name__)

AnswerT = TypeVar("AnswerT", bound=BaseModel)
Sleep = Callable[[float], None]

# JSON-schema keywords OpenAI's strict mode refuses; our pydantic types still check them.
_NOT_STRICT = ("default", "maxLength", "minLength")


class _Retryable(Exception):
    """A failed attempt worth another try, with the reason to report if none succeeds."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def to_messages(rendered: Sequence[tuple[str, str]]) -> list[BaseMessage]:
    """LangChain messages from rendered (role, text) pairs."""
    return [
        SystemMessage(text) if role == "system" else HumanMessage(text) for role, text in rendered
    ]


def answer_schema(answer: type[BaseModel], method: str) -> dict[str, Any]:
    """The JSON schema sent to the model; strict mode gets every field required and no extras."""
    schema = answer.model_json_schema()
    if method != "json_schema":
        return schema
    strict = copy.deepcopy(schema)
    _make_strict(strict)
    strict["title"] = answer.__name__
    return strict


def _make_strict(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
            for prop in node["properties"].values():
                if isinstance(prop, dict):
                    if "maxLength" in prop:  # dropped below: the model reads it here instead
                        bound = f"At most {prop['maxLength']} characters."
                        described = [prop.get("description"), bound]
                        prop["description"] = " ".join(filter(None, described))
                    for key in _NOT_STRICT:
                        prop.pop(key, None)
        for value in node.values():
            _make_strict(value)
    elif isinstance(node, list):
        for value in node:
            _make_strict(value)


class ModelCaller:
    """Ask one chat model for typed answers, counting calls, cache hits and tokens."""

    def __init__(self, model: BaseChatModel, settings: Settings, sleep: Sleep = time.sleep) -> None:
        self.model = model
        self.settings = settings
        self.sleep = sleep
        self._lock = threading.Lock()
        self.usage = Usage()
        # The prompts sent so far, and a bound on their tokens (`token_bound`). The pipeline
        # checks the whole run before its first request; the caller only stops a step whose
        # prompt grew past that estimate, counting exactly only when the bound does not fit.
        self._sent: list[Sequence[tuple[str, str]]] = []
        self._bound = 0

    @property
    def allowance(self) -> int:
        """The run's prompt tokens still allowed, counted exactly (this loads the tokenizer)."""
        return self.settings.input_token_budget - sum(map(self._count, self._sent))

    def _count(self, rendered: Sequence[tuple[str, str]]) -> int:
        settings = self.settings
        return count_messages(rendered, settings.model, settings.tiktoken_cache_dir).tokens

    @property
    def fresh_calls(self) -> int:
        """Calls the server answered, leaving out the cache's answers."""
        usage = self.usage  # one snapshot: the two counts always agree
        return usage.calls - usage.cached_calls

    def ask(self, rendered: Sequence[tuple[str, str]], answer: type[AnswerT], what: str) -> AnswerT:
        """The model's answer as `answer`, or LlmError after the allowed retries."""
        settings = self.settings
        bound = token_bound(rendered)
        with self._lock:
            if self._bound + bound > settings.input_token_budget:
                left, tokens = self.allowance, self._count(rendered)
                if tokens > left:
                    # A step, not the run: the run goes on (or falls back) without it.
                    raise LlmError(
                        f"The {what} step would send {tokens:,} prompt tokens, more than the "
                        f"{left:,} left of this run's budget, so it was not sent.",
                        step=what,
                        model=settings.model_label,
                    )
            self._bound += bound
            self._sent.append(rendered)
        strict = {"strict": True} if settings.structured_output == "json_schema" else {}
        runnable = self.model.with_structured_output(
            answer_schema(answer, settings.structured_output),
            method=settings.structured_output,
            include_raw=True,
            **strict,
        )
        messages = to_messages(rendered)
        attempts = settings.max_retries + 1
        reason = "no attempt was made"
        gate = rate_gate.SHARED
        held = False  # a 429's hold was this attempt's wait: no backoff on top of it
        for attempt in range(attempts):
            if attempt and not held:
                self.sleep(settings.retry_backoff_seconds * 2 ** (attempt - 1))
            held = False
            gate.wait()  # another worker's 429 holds every request of the process
            try:
                with hits_counted() as cache:
                    reply = runnable.invoke(messages)
                raw, parsed = self._parse(reply, answer)
            except _Retryable as exc:
                reason = exc.reason
                continue
            except openai.APIStatusError as exc:
                if exc.status_code in (408, 409, 429) or exc.status_code >= 500:
                    reason = _status_reason(exc.status_code)
                    # Held for everyone, as the server asked; a last attempt gives up at once.
                    if exc.status_code == 429 and attempt + 1 < attempts:
                        asked = rate_gate.retry_after(exc.response.headers)
                        backoff = settings.retry_backoff_seconds * 2**attempt
                        gate.hold(backoff if asked is None else asked, self.sleep)
                        held = True
                    continue
                raise LlmError(
                    _refusal(exc.status_code, what), step=what, model=settings.model_label
                ) from None
            except openai.APITimeoutError:
                reason = f"the model server did not answer within {settings.timeout_seconds:g} s"
                continue
            except openai.APIConnectionError:
                reason = "the model server could not be reached"
                continue
            except openai.LengthFinishReasonError:
                reason = "its answer was cut off at the output limit"
                continue
            except (ValidationError, OutputParserException):
                reason = "its answer could not be read as the expected structure"
                continue
            except openai.APIResponseValidationError:
                reason = "the model server answered in an unexpected way"
                continue
            except openai.ContentFilterFinishReasonError:
                reason = "its answer was stopped by the server's content filter"
                continue
            except Exception as exc:
                # Not a model failure: a bug, surfaced as one. Its type only: the message could
                # quote the request.
                _log.error("Unexpected %s in the %s step", type(exc).__name__, what)
                raise
            self._account(raw, rendered, parsed, cached=cache.hits > 0)
            return parsed
        raise LlmError(
            f"The model could not complete the {what} step after {attempts} "
            f"attempt{'s' if attempts > 1 else ''}: {reason}.",
            step=what,
            model=settings.model_label,
        )

    def _parse(self, result: Any, answer: type[AnswerT]) -> tuple[AIMessage | None, AnswerT]:
        """The raw message and the typed answer; anything unusable is worth a retry."""
        if not isinstance(result, dict):
            raise _Retryable("its answer was not structured")
        raw = result.get("raw")
        raw = raw if isinstance(raw, AIMessage) else None
        if result.get("parsing_error") is not None or result.get("parsed") is None:
            truncated = raw is not None and _was_cut_off(raw)
            raise _Retryable(
                "its answer was cut off" if truncated else "its answer could not be read"
            )
        parsed = result["parsed"]
        try:
            if isinstance(parsed, BaseModel):
                return raw, answer.model_validate(parsed.model_dump())
            return raw, answer.model_validate(parsed)
        except ValidationError:
            raise _Retryable("its answer did not match the expected structure") from None

    def _account(
        self,
        raw: AIMessage | None,
        rendered: Sequence[tuple[str, str]],
        parsed: BaseModel,
        *,
        cached: bool,
    ) -> None:
        meta = raw.usage_metadata if raw is not None else None
        if meta and not cached:
            reported = meta.get("input_tokens")
            used = Usage(
                prompt_tokens=self._count(rendered) if reported is None else reported,
                completion_tokens=meta.get("output_tokens", 0),
                calls=1,
            )
        elif cached:
            used = Usage(calls=1, cached_calls=1)
        else:
            completion = count_text(
                json.dumps(parsed.model_dump(mode="json")),
                self.settings.model,
                self.settings.tiktoken_cache_dir,
            )
            # The server reported no usage: both counts are our tokenizer's estimate.
            used = Usage(
                prompt_tokens=self._count(rendered),
                completion_tokens=completion.tokens,
                approximate=True,
                calls=1,
            )
        with self._lock:
            self.usage = self.usage + used


def _was_cut_off(raw: AIMessage) -> bool:
    reason = (raw.response_metadata or {}).get("finish_reason")
    return reason == "length" or bool(getattr(raw, "invalid_tool_calls", None))


def _status_reason(status: int) -> str:
    if status == 429:
        return "the model server is rate-limiting requests (HTTP 429)"
    if status in (408, 409):
        return f"the model server asked to retry (HTTP {status})"
    return f"the model server failed (HTTP {status})"


def _refusal(status: int, what: str) -> str:
    reasons = {
        400: "rejected the request (HTTP 400); check STORYCOACH_MODEL and "
        "STORYCOACH_STRUCTURED_OUTPUT",
        401: "rejected the API key (HTTP 401); check OPENAI_API_KEY",
        403: "refused access (HTTP 403); check the key's permissions",
        404: "does not know the model (HTTP 404); check STORYCOACH_MODEL and OPENAI_BASE_URL",
    }
    return f"The model server {reasons.get(status, f'refused the {what} request (HTTP {status})')}."

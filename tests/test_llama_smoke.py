"""The real `openai` client path, end to end, against llama.cpp's OpenAI-compatible server.

The server (tests/llama_server.py) runs the BASE Gemma 3 270M model on 127.0.0.1: its answers are
nonsense, so these tests assert on HTTP plumbing, shapes and errors, never on content. Gemma's
chat format drops system messages, so the prompts are user-only.
"""

from __future__ import annotations

import openai
import pytest
from langchain_core.messages import AIMessage
from pydantic import BaseModel

from coach.config import Settings
from coach.llm.factory import build_chat_model
from tests.llama_server import MODEL_ALIAS, local_settings

# pytest-socket: the repo runs with --disable-socket; allow_hosts lets these tests create sockets
# but connect only to the loopback server. (Adding enable_socket would lift the host limit.)
pytestmark = [pytest.mark.llamacpp, pytest.mark.allow_hosts(["127.0.0.1"])]

PROMPT = "Bob is 42 years old. Extract the person."
MAX_OUTPUT_TOKENS = 128


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str
    age: int


@pytest.fixture
def settings(llama_base_url: str, without_proxies: None) -> Settings:
    """Settings for the local server only: no developer env, .env or proxy can leak in."""
    return local_settings(llama_base_url, max_output_tokens=MAX_OUTPUT_TOKENS, timeout_seconds=120)


def _assert_usage(raw: AIMessage, limit: int) -> None:
    usage = raw.usage_metadata
    assert usage is not None, raw
    assert usage["input_tokens"] > 0
    assert 0 < usage["output_tokens"] <= limit  # the server honoured max_tokens
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_structured_output_by_function_calling_over_http(settings: Settings) -> None:
    llm = build_chat_model(settings)
    structured = llm.with_structured_output(Person, method="function_calling", include_raw=True)

    result = structured.invoke(PROMPT)

    assert isinstance(result, dict)
    raw, parsed, error = result["raw"], result["parsed"], result["parsing_error"]
    assert isinstance(raw, AIMessage)
    assert raw.response_metadata["model_name"] == MODEL_ALIAS  # echoed by the real server
    assert raw.response_metadata["finish_reason"] in {"tool_calls", "length"}
    _assert_usage(raw, MAX_OUTPUT_TOKENS)
    # The forced tool_choice makes the server emit a Person call through its JSON grammar.
    calls = [call["name"] for call in (*raw.tool_calls, *raw.invalid_tool_calls)]
    assert calls == ["Person"], raw
    if raw.response_metadata["finish_reason"] == "tool_calls":
        # The server's JSON grammar holds even a base model to the schema: a finished call parses.
        assert isinstance(parsed, Person) and error is None, result
    else:  # cut off at max_tokens: the call is incomplete and says so
        assert error is not None or raw.invalid_tool_calls, result


def test_plain_call_is_bounded_by_max_tokens(settings: Settings) -> None:
    llm = build_chat_model(settings.model_copy(update={"max_output_tokens": 64}))

    raw = llm.invoke([("user", "Tell me a long story about a dragon.")])

    assert isinstance(raw, AIMessage) and isinstance(raw.content, str)
    _assert_usage(raw, 64)


def test_json_schema_response_format_is_a_server_error(settings: Settings) -> None:
    llm = build_chat_model(settings)
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "Person", "schema": Person.model_json_schema(), "strict": True},
    }

    with pytest.raises(openai.InternalServerError) as caught:
        llm.invoke(PROMPT, response_format=response_format)

    # llama-cpp-python accepts only "text" and "json_object" and answers 500, not 400.
    assert caught.value.status_code == 500
    assert "json_object" in str(caught.value)

"""The real ChatOpenAI request and response code, over an in-process HTTP transport."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from pydantic import AliasChoices

from coach.config import PROJECT_ROOT, Settings
from coach.errors import ConfigError, LlmError
from coach.llm import budget
from coach.llm.answers import JudgeVerdict
from coach.llm.caller import ModelCaller
from coach.llm.factory import build_chat_model

from .fakes import completion

KEY = "sk-test-never-shown-123"
PROMPT = [("system", "Judge it."), ("user", "=====NOTES x=====\nI cut p99.\n=====NOTES x=====")]
VERDICT = {"level": "L6", "signals": [], "to_target": []}


class Server:
    """Scripted HTTP answers; records each request's body and headers."""

    def __init__(self, *answers: httpx2.Response | Callable[[httpx2.Request], httpx2.Response]):
        self.answers = list(answers)
        self.requests: list[tuple[dict[str, Any], dict[str, str]]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append((json.loads(request.content), dict(request.headers)))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "openai_api_key": KEY,
        "openai_base_url": "https://mock.local/v1",
        "model": "gpt-4o-mini",
        "tiktoken_cache_dir": tmp_path / "tiktoken",
        "max_retries": 0,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _caller(settings: Settings, server: Server) -> ModelCaller:
    client = httpx2.Client(transport=httpx2.MockTransport(server))
    return ModelCaller(
        build_chat_model(settings, http_client=client), settings, sleep=lambda _: None
    )


def test_json_schema_request_and_typed_answer(tmp_path: Path) -> None:
    server = Server(
        httpx2.Response(200, json=completion({"role": "assistant", "content": json.dumps(VERDICT)}))
    )
    caller = _caller(_settings(tmp_path, max_output_tokens=321), server)
    verdict = caller.ask(PROMPT, JudgeVerdict, "judge")
    assert verdict.level == "L6"
    body, headers = server.requests[0]
    assert headers["authorization"] == f"Bearer {KEY}"
    assert body["model"] == "gpt-4o-mini" and body["max_completion_tokens"] == 321
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["strict"] is True
    assert schema["schema"]["additionalProperties"] is False
    assert set(schema["schema"]["required"]) == {"level", "signals", "to_target"}
    assert caller.usage.prompt_tokens == 42 and caller.usage.completion_tokens == 7


def test_a_step_well_inside_the_budget_is_sent_without_loading_the_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Loading the encoding costs a run ~0.6 s: a prompt whose byte bound fits is not counted,
    # and the server's reported usage is what the run accounts.
    def no_tokenizer(*args: object) -> object:
        raise AssertionError("the tokenizer was loaded")

    monkeypatch.setattr(budget, "encoding_for", no_tokenizer)
    server = Server(
        httpx2.Response(200, json=completion({"role": "assistant", "content": json.dumps(VERDICT)}))
    )
    caller = _caller(_settings(tmp_path), server)
    caller.ask(PROMPT, JudgeVerdict, "judge")
    assert caller.usage.prompt_tokens == 42 and len(server.requests) == 1
    with pytest.raises(AssertionError, match="the tokenizer was loaded"):
        _ = caller.allowance  # an exact count does load it: the stub above is live


def test_a_step_past_the_runs_allowance_is_not_sent_and_is_no_budget_error(
    tmp_path: Path,
) -> None:
    # The run's budget was checked before its first request; a later step whose prompt grew
    # past that estimate is a failed step (the pipeline goes on without it), not a refused run.
    server = Server(
        httpx2.Response(200, json=completion({"role": "assistant", "content": json.dumps(VERDICT)}))
    )
    caller = _caller(_settings(tmp_path, input_token_budget=150), server)
    caller.ask(PROMPT, JudgeVerdict, "judge")
    assert 0 < caller.allowance < 150
    with pytest.raises(LlmError, match=r"left of this run's budget, so it was not sent") as raised:
        caller.ask([*PROMPT, ("user", "more " * 100)], JudgeVerdict, "coaching")
    assert len(server.requests) == 1
    assert raised.value.context == {"step": "coaching", "model": _settings(tmp_path).model_label}


def test_an_overlong_string_is_cut_to_its_bound_which_the_strict_schema_states(
    tmp_path: Path,
) -> None:
    long_name = "judgment and trade-offs under ambiguity, read"  # 46 characters, bound 40
    verdict = {**VERDICT, "signals": [{"dimension": long_name, "level": "L6", "quote": "cut p99"}]}
    server = Server(
        httpx2.Response(200, json=completion({"role": "assistant", "content": json.dumps(verdict)}))
    )
    caller = _caller(_settings(tmp_path), server)
    read = caller.ask(PROMPT, JudgeVerdict, "judge")
    assert read.signals[0].dimension == long_name[:40] and len(server.requests) == 1
    body, _ = server.requests[0]
    sent = body["response_format"]["json_schema"]["schema"]["$defs"]["SignalVerdict"]
    dimension = sent["properties"]["dimension"]
    assert "maxLength" not in dimension and dimension["description"] == "At most 40 characters."


def test_function_calling_for_servers_like_llama_cpp(tmp_path: Path) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "JudgeVerdict", "arguments": json.dumps(VERDICT)},
    }
    server = Server(
        httpx2.Response(
            200,
            json=completion(
                {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
            ),
        )
    )
    settings = _settings(
        tmp_path, structured_output="function_calling", max_tokens_param="max_tokens",
        max_output_tokens=256, system_messages=False,
    )  # fmt: skip
    verdict = _caller(settings, server).ask(PROMPT, JudgeVerdict, "judge")
    body, _ = server.requests[0]
    assert verdict.level == "L6"
    assert body["max_tokens"] == 256 and "max_completion_tokens" not in body
    assert body["tool_choice"]["function"]["name"] == "JudgeVerdict"
    assert body["tools"][0]["function"]["parameters"]["properties"]["signals"]["maxItems"] == 10


def test_rate_limit_is_retried_through_the_real_client(tmp_path: Path) -> None:
    server = Server(
        httpx2.Response(429, json={"error": {"message": "slow down"}}),
        httpx2.Response(
            200, json=completion({"role": "assistant", "content": json.dumps(VERDICT)})
        ),
    )
    caller = _caller(_settings(tmp_path, max_retries=1), server)
    assert caller.ask(PROMPT, JudgeVerdict, "judge").level == "L6"
    assert len(server.requests) == 2


def test_truncated_json_is_reported_after_retries(tmp_path: Path) -> None:
    server = Server(
        httpx2.Response(
            200,
            json=completion({"role": "assistant", "content": '{"level": "L6", "sig'}, "length"),
        )
    )
    with pytest.raises(LlmError, match="after 2 attempts"):
        _caller(_settings(tmp_path, max_retries=1), server).ask(PROMPT, JudgeVerdict, "judge")


def test_refused_key_says_which_setting_and_never_the_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = Server(httpx2.Response(401, json={"error": {"message": "bad key"}}))
    with pytest.raises(LlmError) as raised:
        _caller(_settings(tmp_path, max_retries=3), server).ask(PROMPT, JudgeVerdict, "judge")
    assert "OPENAI_API_KEY" in str(raised.value) and KEY not in str(raised.value)
    assert len(server.requests) == 1
    assert KEY not in caplog.text


def test_settings_pick_the_server_and_hide_the_key(tmp_path: Path) -> None:
    local = _settings(tmp_path, openai_api_key=None, openai_base_url="http://127.0.0.1:8080/v1")
    assert local.llm_configured
    assert local.model_label == "gpt-4o-mini at http://127.0.0.1:8080/v1"
    assert KEY not in repr(_settings(tmp_path))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_chat_model(_settings(tmp_path, openai_api_key=None, openai_base_url=None))


def test_environment_and_dotenv_configure_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "OPENAI_BASE_URL=http://127.0.0.1:9999/v1\nSTORYCOACH_MODEL=gemma\nOTHER=1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("STORYCOACH_STRUCTURED_OUTPUT", "function_calling")
    settings = Settings()
    assert settings.openai_base_url == "http://127.0.0.1:9999/v1" and settings.model == "gemma"
    assert settings.structured_output == "function_calling" and settings.llm_configured


def test_the_example_env_file_configures_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(example, encoding="utf-8")
    settings = Settings()
    assert not settings.llm_configured and settings.database_url is None
    assert settings.model == "gpt-4o-mini" and settings.max_notes_chars == 40_000


def test_the_example_env_file_names_every_setting() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    named = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    prefix = Settings.model_config.get("env_prefix", "")
    expected = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias  # OPENAI_API_KEY and OPENAI_BASE_URL: their first alias
        expected.add(
            str(alias.choices[0]) if isinstance(alias, AliasChoices) else f"{prefix}{name}".upper()
        )
    assert expected - named == set()  # every setting is documented
    assert named - expected == set()  # and no name there is stale or misspelt

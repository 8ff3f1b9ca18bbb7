"""A real OpenAI-compatible HTTP server on 127.0.0.1 for the `llamacpp` tests.

llama-cpp-python serves the Gemma 3 270M GGUF (a BASE model: its text is nonsense, only the
plumbing is worth asserting on). It runs from its own venv, built by `scripts/llama-venv`, because
compiling llama.cpp takes minutes and has no place in the main .venv.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coach.config import PROJECT_ROOT, Settings
from tests.processes import answers, free_port, running

VENV_ENV = "STORYCOACH_LLAMA_VENV"
DEFAULT_VENV = PROJECT_ROOT / ".venv-llama"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
MODEL_ALIAS = "gemma"
# How Story Coach talks to this server, as a `storycoach` process reads it (plus OPENAI_BASE_URL).
LOCAL_ENV = {
    "STORYCOACH_MODEL": MODEL_ALIAS,
    "STORYCOACH_STRUCTURED_OUTPUT": "function_calling",
    "STORYCOACH_MAX_TOKENS_PARAM": "max_tokens",
    "STORYCOACH_MAX_OUTPUT_TOKENS": "256",
    "STORYCOACH_SYSTEM_MESSAGES": "false",
    "STORYCOACH_TEMPERATURE": "0",
    # Generous: a request the client abandons keeps the one-request server busy for the next.
    "STORYCOACH_TIMEOUT_SECONDS": "300",
    "STORYCOACH_MAX_RETRIES": "0",
    "STORYCOACH_RETRY_BACKOFF_SECONDS": "0",
}
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def local_settings(base_url: str, **overrides: Any) -> Settings:
    """Settings for the server at `base_url`: LOCAL_ENV, then `overrides`; no .env is read.

    conftest's clean_settings has already removed every STORYCOACH_ and OPENAI_ variable.
    """
    values = {key.removeprefix("STORYCOACH_").lower(): value for key, value in LOCAL_ENV.items()}
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        openai_base_url=base_url,
        **(values | overrides),
    )


@pytest.fixture
def without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy variable: the openai client would send even requests to 127.0.0.1 through it."""
    for name in list(os.environ):
        if name.lower() in PROXY_VARIABLES:
            monkeypatch.delenv(name)


@contextlib.contextmanager
def llama_server(python: Path, model_path: Path, *, log_dir: Path | None = None) -> Iterator[str]:
    """Run `llama_cpp.server` with `python` on a free loopback port; yield its `/v1` base URL.

    The server's output goes to `llama-server.log` in `log_dir` (default: a temporary directory
    removed afterwards). Start-up fails with the log's tail if the process exits or `/v1/models`
    does not answer within 60 s. The server is always terminated on exit.
    """
    if not model_path.is_file():
        raise FileNotFoundError(f"no model at {model_path}; run scripts/llama-venv")
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="llama-")))
        port = free_port()
        base_url = f"http://127.0.0.1:{port}/v1"
        command = [
            str(python), "-m", "llama_cpp.server",
            "--model", str(model_path),
            "--model_alias", MODEL_ALIAS,
            "--chat_format", "gemma",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_ctx", "2048",
            "--n_threads", "2",
            "--verbose", "False",
        ]  # fmt: skip
        stack.enter_context(
            running(
                "the llama server",
                command,
                log_path=log_dir / "llama-server.log",
                ready=lambda: answers(f"{base_url}/models"),
            )
        )
        yield base_url


@pytest.fixture(scope="session")
def llama_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a llama.cpp server shared by the whole session.

    The server's venv is `$STORYCOACH_LLAMA_VENV` (default `<repo>/.venv-llama`). The tests skip
    only when that venv does not exist; a venv without the model or llama_cpp is an error.
    Tests using this fixture must allow loopback sockets: `@pytest.mark.allow_hosts(["127.0.0.1"])`.
    """
    venv = Path(os.environ.get(VENV_ENV) or DEFAULT_VENV)
    if not venv.is_dir():
        pytest.skip(f"no llama.cpp venv at {venv}: run scripts/llama-venv (or set {VENV_ENV})")
    python = venv / "bin" / "python"
    model_path = venv / "models" / MODEL_FILE
    with llama_server(python, model_path, log_dir=tmp_path_factory.mktemp("llama")) as url:
        yield url

"""A real OpenAI-compatible HTTP server on 127.0.0.1 for the `llamacpp` tests.

llama-cpp-python serves the Gemma 3 270M GGUF (a BASE model: its text is nonsense, only the
plumbing is worth asserting on). It runs from its own venv, built by `scripts/llama-venv`, because
compiling llama.cpp takes minutes and has no place in the main .venv.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT

VENV_ENV = "STORYCOACH_LLAMA_VENV"
DEFAULT_VENV = PROJECT_ROOT / ".venv-llama"
MODEL_FILE = "gemma-3-270m-q4_k_m.gguf"
MODEL_ALIAS = "gemma"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARS = 4_000

# Proxies from the environment must never see requests to the loopback server.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tail(log_path: Path) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return text[-LOG_TAIL_CHARS:] or "(empty log)"


def _answers(url: str) -> bool:
    try:
        with _NO_PROXY_OPENER.open(url, timeout=2) as response:
            response.read()
            return bool(response.status == 200)
    except OSError:  # refused while starting, reset, timeout, HTTP error
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server has not exited in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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
        log_path = log_dir / "llama-server.log"
        port = _free_port()
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
        log = stack.enter_context(log_path.open("wb"))
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        stack.callback(_stop, proc)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not _answers(f"{base_url}/models"):
            if proc.poll() is not None:
                raise RuntimeError(
                    f"llama server exited with {proc.returncode} before answering;"
                    f" log {log_path}:\n{_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"llama server did not answer {base_url}/models within"
                    f" {START_TIMEOUT_SECONDS:.0f} s; log {log_path}:\n{_tail(log_path)}"
                )
            time.sleep(0.1)
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

"""Start a local server process for a test, wait until it answers, always stop it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
LOG_TAIL_CHARS = 4_000

# Proxies from the environment must never see requests to a loopback server.
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(log_path: Path) -> str:
    """The end of a server's log, for a failure message."""
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return text[-LOG_TAIL_CHARS:] or "(empty log)"


def answers(url: str, expected: bytes | None = None) -> bool:
    """Whether `url` answers 200 (with `expected` as its body, when given)."""
    try:
        with NO_PROXY_OPENER.open(url, timeout=2) as response:
            body = response.read().strip()
            return bool(response.status == 200 and (expected is None or body == expected))
    except OSError:  # refused while starting, reset, timeout, HTTP error
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the process has not exited in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(
    name: str,
    command: Sequence[str],
    *,
    log_path: Path,
    ready: Callable[[], bool],
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    poll_seconds: float = 0.1,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run `command` until the block ends; fail with the log's tail if it never gets `ready`
    (asked every `poll_seconds`)."""
    with contextlib.ExitStack() as stack:
        log = stack.enter_context(log_path.open("wb"))
        proc = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_stop, proc)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not ready():
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {proc.returncode} before answering;"
                    f" log {log_path}:\n{log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{name} did not answer within {START_TIMEOUT_SECONDS:.0f} s;"
                    f" log {log_path}:\n{log_tail(log_path)}"
                )
            time.sleep(poll_seconds)
        yield proc

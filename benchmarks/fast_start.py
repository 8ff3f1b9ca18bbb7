"""What a model run costs before the model says anything: the CLI against a server that answers
at once, against the same CLI offline.

The server (a thread on 127.0.0.1) answers every chat completion immediately with the smallest
valid answer, so the difference between the two wall times is the model path's fixed cost:
importing LangChain and the openai client, loading the tiktoken encoding, building the prompts.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from coach.config import PROJECT_ROOT

RUNS = 5
NOTES = (
    "Situation: our checkout API's p99 was 850ms at peak.\nTask: I owned getting p99 under "
    "500ms.\nAction: I profiled the service and moved the inventory check to a queue.\n"
    "Result: p99 dropped from 850ms to 320ms over two weeks.\n"
)


class _Instant(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # the name http.server calls
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        schema = body.get("response_format", {}).get("json_schema", {}).get("name", "")
        content = {"level": "unclear"} if schema == "JudgeVerdict" else {}
        reply: dict[str, Any] = {
            "id": "instant", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": json.dumps(content)}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }  # fmt: skip
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@contextmanager
def _server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Instant)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()


def _seconds(engine: str, env: dict[str, str], notes: Path) -> float:
    command = [sys.executable, "-m", "coach", "coach", str(notes), "--engine", engine]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=PROJECT_ROOT, env=env)
    return time.perf_counter() - start


def report() -> None:
    """Print the median wall time of each engine and the difference."""
    with tempfile.TemporaryDirectory() as folder, _server() as url:
        notes = Path(folder) / "notes.txt"
        notes.write_text(NOTES, encoding="utf-8")
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("STORYCOACH_", "OPENAI_"))}  # fmt: skip
        env |= {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-bench-local",
                "STORYCOACH_DATA_DIR": folder, "NO_PROXY": "127.0.0.1"}  # fmt: skip
        offline = statistics.median(_seconds("offline", env, notes) for _ in range(RUNS))
        model = statistics.median(_seconds("llm", env, notes) for _ in range(RUNS))
    print(
        f"CLI run, one short note, median of {RUNS}: offline {offline:.2f} s, model engine against "
        f"a server that answers at once {model:.2f} s: the model path's fixed cost "
        f"{model - offline:.2f} s (target: under 0.5 s)"
    )


if __name__ == "__main__":
    report()

"""The model-answer cache: an unchanged story re-graded makes no model call, and nothing private
or secret is written to disk."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.load import dumps
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import Runnable
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from coach.llm.cache import SQLiteLLMCache

from .fakes import ScriptedModel, completion, tool_reply

NOTES = "Rate my story: I led Project Nightjar and cut checkout p99 from 850ms to 320ms."
FAKE_KEY = "sk-secret-123"


class Verdict(BaseModel):
    """Score a story."""

    score: int = Field(ge=1, le=5)
    note: str


def verdict_call(score: int, note: str) -> AIMessage:
    return tool_reply("Verdict", {"score": score, "note": note}, tokens=(120, 9))


def grader(cache: SQLiteLLMCache, *script: AIMessage) -> tuple[ScriptedModel, Runnable[Any, Any]]:
    """A model answering every prompt from `script` in turn, asked for a Verdict."""
    model = ScriptedModel(script={"verdict": list(script)}, steps={"verdict": ""}, cache=cache)
    return model, model.with_structured_output(Verdict)


def files_of(db: Path) -> bytes:
    """All bytes SQLite keeps for `db`: the database and any -wal / -shm companions."""
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "not" / "yet" / "there" / "llm_cache.sqlite3"


@pytest.fixture
def cache(db: Path) -> SQLiteLLMCache:
    return SQLiteLLMCache(db)


def test_creates_folders_and_a_wal_database(db: Path, cache: SQLiteLLMCache) -> None:
    assert db.is_file()
    assert len(cache) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_the_file_is_owner_only(db: Path, cache: SQLiteLLMCache) -> None:
    cache.update("p", "m", [Generation(text="x")])
    for path in db.parent.glob(db.name + "*"):
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name


def test_identical_invoke_hits_and_a_different_prompt_misses(cache: SQLiteLLMCache) -> None:
    model, structured = grader(cache, verdict_call(4, "vivid"), verdict_call(2, "vague"))
    assert structured.invoke(NOTES) == Verdict(score=4, note="vivid")
    assert structured.invoke(NOTES) == Verdict(score=4, note="vivid")
    assert len(model.prompts) == 1
    assert structured.invoke(NOTES + " Also, I mentored two engineers.") == Verdict(
        score=2, note="vague"
    )
    assert len(model.prompts) == 2
    assert len(cache) == 2


def test_ainvoke_hits_through_the_default_async_methods(cache: SQLiteLLMCache) -> None:
    model, structured = grader(cache, verdict_call(4, "vivid"))
    assert asyncio.run(structured.ainvoke(NOTES)) == Verdict(score=4, note="vivid")
    assert asyncio.run(structured.ainvoke(NOTES)) == Verdict(score=4, note="vivid")
    assert len(model.prompts) == 1


def test_a_new_instance_on_the_same_file_still_hits(db: Path, cache: SQLiteLLMCache) -> None:
    _, structured = grader(cache, verdict_call(4, "vivid"))
    structured.invoke(NOTES)
    reopened, again = grader(SQLiteLLMCache(db), verdict_call(1, "never asked"))
    assert again.invoke(NOTES) == Verdict(score=4, note="vivid")
    assert reopened.prompts == []


def test_another_process_sees_the_entries(db: Path, cache: SQLiteLLMCache) -> None:
    child = (
        "import sys; from pathlib import Path\n"
        "from langchain_core.outputs import Generation\n"
        "from coach.llm.cache import SQLiteLLMCache\n"
        "SQLiteLLMCache(Path(sys.argv[1])).update('p', 'm', [Generation(text='from the child')])\n"
    )
    subprocess.run([sys.executable, "-c", child, str(db)], check=True, timeout=60)
    hit = cache.lookup("p", "m")
    assert hit is not None
    assert [g.text for g in hit] == ["from the child"]


def test_a_tool_call_message_round_trips(db: Path, cache: SQLiteLLMCache) -> None:
    message = verdict_call(3, "ok").model_copy(
        update={"response_metadata": {"model_name": "gpt-4o-mini", "finish_reason": "tool_calls"}}
    )
    stored = [ChatGeneration(message=message, generation_info={"finish_reason": "tool_calls"})]
    cache.update("p", "m", stored)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither the beta notice nor the allowed_objects one
        hit = SQLiteLLMCache(db).lookup("p", "m")
    assert hit == stored
    assert isinstance(hit, list)  # LangChain treats only a list as a hit
    revived = hit[0]
    assert isinstance(revived, ChatGeneration) and isinstance(revived.message, AIMessage)
    assert revived.message.tool_calls == message.tool_calls
    assert revived.message.usage_metadata == message.usage_metadata


def test_clear_empties_it(cache: SQLiteLLMCache) -> None:
    model, structured = grader(cache, verdict_call(4, "vivid"), verdict_call(5, "sharper"))
    structured.invoke(NOTES)
    cache.clear()
    assert len(cache) == 0
    assert structured.invoke(NOTES) == Verdict(score=5, note="sharper")
    assert len(model.prompts) == 2


def test_neither_the_notes_nor_a_key_reach_the_file(db: Path, cache: SQLiteLLMCache) -> None:
    _, structured = grader(cache, verdict_call(4, "vivid"))
    structured.invoke(NOTES)
    llm = ChatOpenAI(model="gpt-4o-mini", api_key=FAKE_KEY, cache=cache)
    cache.update(NOTES, llm._get_llm_string(), [ChatGeneration(message=AIMessage("x"))])
    assert len(cache) == 2
    stored = files_of(db)
    for private in (NOTES, "Project Nightjar", FAKE_KEY):
        assert private.encode() not in stored, private
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(llm_cache)")]
    assert columns == ["prompt_sha256", "llm_sha256", "generations", "created_at"]


@pytest.mark.parametrize(
    "corrupt",
    [
        "{not json",
        json.dumps({"a": 1}),  # JSON, but not a list of generations
        dumps([AIMessage("a message, not a generation")]),
        # A class off the allow-list: reviving it would build a client for another host.
        dumps([ChatOpenAI(model="gpt-4o-mini", api_key=FAKE_KEY, base_url="https://evil.test")]),
        b"\x00\x01 a blob",
    ],
    ids=["bad-json", "not-a-list", "not-generations", "disallowed-class", "blob"],
)
def test_a_corrupted_row_is_a_miss_and_is_dropped(
    db: Path, cache: SQLiteLLMCache, corrupt: str | bytes
) -> None:
    model, structured = grader(cache, verdict_call(4, "vivid"), verdict_call(3, "fresh"))
    structured.invoke(NOTES)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE llm_cache SET generations = ?", (corrupt,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert structured.invoke(NOTES) == Verdict(score=3, note="fresh")
    assert len(model.prompts) == 2
    assert len(cache) == 1  # the bad row went and the fresh answer took its place
    assert structured.invoke(NOTES) == Verdict(score=3, note="fresh")
    assert len(model.prompts) == 2


def test_concurrent_updates_from_threads_do_not_raise(db: Path, cache: SQLiteLLMCache) -> None:
    def work(worker: int) -> None:
        own = SQLiteLLMCache(db) if worker % 2 else cache  # shared and separate instances
        for i in range(25):
            answer = [Generation(text=f"{worker}-{i}")]
            own.update(f"prompt {worker} {i}", "m", answer)
            own.update("shared prompt", "m", answer)
            # Another thread may have cleared it, but never half-written or mixed up.
            assert own.lookup(f"prompt {worker} {i}", "m") in (None, answer)
            shared = own.lookup("shared prompt", "m")
            assert shared is None or len(shared) == 1
            if i == 12 and worker == 0:
                own.clear()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(work, range(8)))
    assert 0 < len(cache) <= 8 * 25 + 1
    for worker in range(8):
        for i in range(25):
            assert cache.lookup(f"prompt {worker} {i}", "m") in (
                None,
                [Generation(text=f"{worker}-{i}")],
            )


def test_chatopenai_json_schema_answers_survive_the_round_trip(cache: SQLiteLLMCache) -> None:
    requests: list[httpx2.Request] = []

    def reply(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        message = {"role": "assistant", "content": '{"score": 4, "note": "vivid"}'}
        return httpx2.Response(200, json=completion(message))

    llm = ChatOpenAI(
        model="gpt-4o-mini",
        api_key=FAKE_KEY,
        base_url="https://mock.local/v1",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(reply)),
        cache=cache,
    )
    structured = llm.with_structured_output(Verdict)  # json_schema: the SDK parses into Verdict
    assert structured.invoke(NOTES) == Verdict(score=4, note="vivid")
    assert structured.invoke(NOTES) == Verdict(score=4, note="vivid")
    assert len(requests) == 1

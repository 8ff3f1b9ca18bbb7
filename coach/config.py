"""Settings from the environment and `.env`, read in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

StructuredMethod = Literal["json_schema", "function_calling", "json_mode"]


class Settings(BaseSettings):
    """Every tunable of Story Coach; nothing else reads `os.environ`."""

    model_config = SettingsConfigDict(
        env_prefix="STORYCOACH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # --- notes and data -------------------------------------------------------------------------
    max_notes_chars: int = Field(
        default=40_000, ge=1, description="Longest notes accepted, in characters."
    )
    rubrics_dir: Path = Field(default=PROJECT_ROOT / "rubrics")
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts")
    data_dir: Path = Field(
        default=PROJECT_ROOT / ".storycoach",
        description="Where drafts, the model-answer cache and the story bank live.",
    )
    database_url: str | None = Field(
        default=None,
        description="The story bank's database; default: a SQLite file in data_dir.",
    )
    seed_path: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "seed" / "000_9657d72ec2f14d4c.txt",
        description="The seed document whose case studies calibrate the coach.",
    )
    corpus_dir: Path = Field(
        default=PROJECT_ROOT / "corpus",
        description="The labelled corpus (corpus/README.md): what eval and train read.",
    )

    # --- the model (any OpenAI-compatible server) -----------------------------------------------
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_API_KEY", "STORYCOACH_OPENAI_API_KEY"),
    )
    openai_base_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("OPENAI_BASE_URL", "STORYCOACH_OPENAI_BASE_URL"),
        description="OpenAI, Azure's OpenAI-compatible endpoint, vLLM, Ollama, llama.cpp...",
    )
    model: str = Field(default="gpt-4o-mini", description="Model name sent to the server.")
    temperature: float = Field(default=0.2, ge=0, le=2)
    timeout_seconds: float = Field(default=60, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries after a failed call.")
    retry_backoff_seconds: float = Field(default=1.0, ge=0, description="First retry's wait.")
    batch_concurrency: int = Field(
        default=8,
        ge=1,
        le=64,
        description="Stories of a `coach --batch` on the model engine coached at once.",
    )
    max_output_tokens: int = Field(default=1_500, ge=64)
    max_tokens_param: Literal["max_completion_tokens", "max_tokens"] = Field(
        default="max_completion_tokens",
        description="Name the server reads the output limit from (llama.cpp: max_tokens).",
    )
    structured_output: StructuredMethod = Field(
        default="json_schema",
        description="json_schema for OpenAI; function_calling for servers without it.",
    )
    system_messages: bool = Field(
        default=True,
        description="False folds instructions into the user turn (models that drop system).",
    )
    # Notes at the size limit (40,000 characters) need about 58,000 for a whole run.
    input_token_budget: int = Field(
        default=60_000,
        ge=100,
        description="Most prompt tokens one run may send, all its requests together (a repair "
        "counted at its worst), checked before the first.",
    )
    price_input_per_million: float = Field(default=0.15, ge=0, description="USD per 1M tokens.")
    price_output_per_million: float = Field(default=0.60, ge=0, description="USD per 1M tokens.")
    tiktoken_cache_dir: Path = Field(default=PROJECT_ROOT / ".cache" / "tiktoken")

    @field_validator("openai_api_key", "openai_base_url", "database_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `.env.example` copied as is leaves these empty: that means "not configured".
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def llm_configured(self) -> bool:
        """Whether a model is set up: a key, or a local server's base URL."""
        return self.openai_api_key is not None or bool(self.openai_base_url)

    @property
    def model_label(self) -> str:
        """A person-readable name of the configured model, never including a key or password."""
        server = _public_url(self.openai_base_url) if self.openai_base_url else "api.openai.com"
        return f"{self.model} at {server}"

    @property
    def cache_path(self) -> Path:
        """The SQLite file that remembers model answers."""
        return self.data_dir / "llm_cache.sqlite3"


def _public_url(url: str) -> str:
    """`url` without user, password, query or fragment, where proxies and Azure put keys.

    The label is shown, stored with each story and exported, so it keeps only scheme, host,
    port and path.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    # With no "//" there is no host to keep, and the rest may be a key: name no part of it.
    return urlunsplit((parts.scheme, host, parts.path, "", "")) if host else "a custom server"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()

"""Settings from the environment and `.env`, read in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Every tunable of Story Coach; nothing else reads `os.environ`."""

    model_config = SettingsConfigDict(
        env_prefix="STORYCOACH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    max_notes_chars: int = Field(
        default=40_000, ge=1, description="Longest notes accepted, in characters."
    )
    rubrics_dir: Path = Field(default=PROJECT_ROOT / "rubrics")
    prompts_dir: Path = Field(default=PROJECT_ROOT / "prompts")
    seed_path: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "seed" / "000_9657d72ec2f14d4c.txt",
        description="The seed document whose case studies calibrate the coach.",
    )
    eval_path: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "eval" / "omars_story_bank.jsonl",
        description="Labelled stories the restructurer is measured on.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()

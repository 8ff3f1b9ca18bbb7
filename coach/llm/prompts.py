"""Prompts as files: one YAML file per version, loaded by name, validated, rendered to messages."""

from __future__ import annotations

import hashlib
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from coach.errors import PromptError
from coach.judgement.rubrics.level import LevelRubric
from coach.judgement.rubrics.star import StarPlusRubric
from coach.versioned import read_versioned, versioned_files

Role = Literal["system", "user"]


class PromptMessage(BaseModel):
    """One message of a prompt template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    content: str = Field(min_length=1)


class PromptTemplate(BaseModel):
    """A versioned prompt: its declared inputs must be exactly the template's variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: int = Field(ge=1)
    description: str
    inputs: list[str]
    messages: list[PromptMessage] = Field(min_length=1)

    @model_validator(mode="after")
    def _inputs_match_variables(self) -> PromptTemplate:
        used = {
            name
            for message in self.messages
            for _, name, _, _ in string.Formatter().parse(message.content)
            if name
        }
        if used != set(self.inputs):
            raise ValueError(
                f"declared inputs {sorted(self.inputs)} differ from the template's {sorted(used)}"
            )
        return self

    def render(self, values: dict[str, str], *, system_messages: bool) -> list[tuple[Role, str]]:
        """(role, text) messages; without system messages, instructions join the first user turn."""
        missing = set(self.inputs) - set(values)
        if missing:
            raise PromptError(f"Prompt {self.id} needs {', '.join(sorted(missing))}.")
        rendered = [(m.role, m.content.format(**values).strip()) for m in self.messages]
        if system_messages:
            return rendered
        # Some chat formats (gemma on llama.cpp) silently drop system messages.
        system = "\n\n".join(text for role, text in rendered if role == "system")
        users = [text for role, text in rendered if role == "user"]
        return [("user", "\n\n".join(t for t in (system, *users) if t))]


def prompt_files(directory: Path) -> dict[str, list[tuple[int, Path]]]:
    """Prompt id -> (version, path) for every prompt file in `directory`."""
    return versioned_files(directory)


@lru_cache(maxsize=32)
def load_prompt(directory: Path, prompt_id: str) -> PromptTemplate:
    """The newest version of a prompt, validated; YAML and schema errors become a PromptError."""
    return read_versioned(directory, prompt_id, PromptTemplate, PromptError, "prompt")


def boundary_for(notes: str) -> str:
    """A delimiter line the notes cannot contain, the same for the same notes (so caching works)."""
    digest = hashlib.sha256(notes.encode("utf-8")).hexdigest()[:16]
    return f"=====NOTES {digest}====="


def star_rubric_text(rubric: StarPlusRubric) -> str:
    """The STAR+ sections as the grader reads them, rendered from the rubric file."""
    return "\n".join(
        f"- {section.value}: {section_rubric.describe}"
        for section, section_rubric in rubric.sections.items()
    )


def level_rubric_text(rubric: LevelRubric) -> str:
    """The L6/L7 signal table, rendered from the rubric file."""
    lines = [f"- {level.value}: {text}" for level, text in rubric.levels.items()]
    for name, dimension in rubric.dimensions.items():
        line = (
            f"- {name} ({dimension.describe}) L6: {dimension.L6.descriptor} "
            f"L7: {dimension.L7.descriptor}"
        )
        if dimension.anti:
            line += f" Anti-signal: {dimension.anti.descriptor}"
        lines.append(line)
    return "\n".join(lines)

"""Versioned data files (`<id>.v<N>.yaml`, `.json` for learned weights), newest first, validated."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coach.errors import CoachError

# libyaml's loader when PyYAML was built with it: the rubrics load several times faster.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_VERSIONED = re.compile(r"^(?P<id>[a-z_]+)\.v(?P<version>\d+)\.(?:ya?ml|json)$")

ModelT = TypeVar("ModelT", bound=BaseModel)


def versioned_files(directory: Path) -> dict[str, list[tuple[int, Path]]]:
    """File id -> (version, path) for every versioned YAML file in `directory`."""
    found: dict[str, list[tuple[int, Path]]] = {}
    for path in sorted(directory.glob("*.*")):
        match = _VERSIONED.match(path.name)
        if match:
            found.setdefault(match["id"], []).append((int(match["version"]), path))
    return found


def read_versioned(
    directory: Path, file_id: str, schema: type[ModelT], error: type[CoachError], what: str
) -> ModelT:
    """The newest version of one file, validated; every problem becomes one readable `error`.

    The file's own `id` and `version` must agree with its name.
    """
    versions = versioned_files(directory).get(file_id)
    if not versions:
        raise error(f"No {what} named {file_id!r} in {directory}.")
    version, path = max(versions)
    try:
        text = path.read_text(encoding="utf-8")
        # A learned model's weights are JSON: json reads them far faster than any YAML loader.
        data: Any = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_LOADER)
    except (OSError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise error(
            f"{what.capitalize()} {path.name} cannot be read: {exc}", file=str(path)
        ) from exc
    try:
        model = schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise error(
            f"{what.capitalize()} {path.name} is invalid: {problems}", file=str(path)
        ) from exc
    if getattr(model, "id", None) != file_id or getattr(model, "version", None) != version:
        raise error(
            f"{what.capitalize()} {path.name} says id={getattr(model, 'id', None)} "
            f"version={getattr(model, 'version', None)}; "
            "the file name and its contents must agree.",
            file=str(path),
        )
    return model

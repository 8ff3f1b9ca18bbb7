"""The compiled build of the offline engine's hot modules: used only when it is exactly current.

`make native` compiles the modules in `COMPILED` with mypyc (C extensions, built from these same
sources; see scripts/build_native.py) into `.native/coach/`, beside a manifest of the sources they
were built from. At import, `coach` puts that directory first on its search path only when every
`coach/*.py` is byte-for-byte what the build saw and the build is for this Python: all of them,
since the compiled code relies on the types of the modules it imports. Anything else (no build,
an edited source, another Python, `STORYCOACH_PURE_PYTHON=1`) runs the plain modules: the same
results, slower. Only the standard library here, as it runs before any other coach module.

Compiled code keeps the semantics of the annotations more strictly than Python does: it boxes a
tuple anew each time one is read (so `id()` of a tuple is not stable) and it rejects an int where
a float is annotated. tests/test_native.py compares the two builds' results to catch any such
difference; a construct mypyc cannot compile fails `make native` with the line named.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

COMPILED = (
    "caseless",
    "cues",
    "segmenter",
    "figures",
    "placement",
    "injection",
    "structure",
    "quantification",
    "levels",
    "questions",
    "restructurer",
    "grader",
    "report",
)

PACKAGE_DIR = Path(__file__).resolve().parent
BUILD_DIR = PACKAGE_DIR.parent / ".native" / "coach"
MANIFEST = "manifest.json"
SHARED_LIBRARY = "native__mypyc"  # the code of every compiled module; each has a small stub
DISABLE_VARIABLE = "STORYCOACH_PURE_PYTHON"


def source_digests(package_dir: Path = PACKAGE_DIR) -> dict[str, str]:
    """SHA-256 of every module of the package, by file name."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(package_dir.glob("*.py"))
    }


def build_tag() -> str:
    """What a compiled module must match besides its sources: the interpreter's ABI."""
    return f"{sys.implementation.cache_tag}-{sys.platform}-{sys.maxsize.bit_length() + 1}bit"


def manifest_for(package_dir: Path = PACKAGE_DIR) -> dict[str, object]:
    """The manifest a build from the current sources writes."""
    return {
        "build": build_tag(),
        "compiled": list(COMPILED),
        "sources": source_digests(package_dir),
    }


def build_state(
    build_dir: Path = BUILD_DIR,
    package_dir: Path = PACKAGE_DIR,
    environ: dict[str, str] | os._Environ[str] = os.environ,
) -> str:
    """Why the compiled build is or is not used: "compiled", or the reason it is not."""
    if environ.get(DISABLE_VARIABLE, "").strip() not in ("", "0"):
        return f"pure Python ({DISABLE_VARIABLE} is set)"
    try:
        built = json.loads((build_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "pure Python (no compiled build: `make native`)"
    if built != manifest_for(package_dir):
        return "pure Python (the compiled build is out of date: `make native`)"
    if not all(_extension(build_dir, name) for name in (*COMPILED, SHARED_LIBRARY)):
        return "pure Python (the compiled build is incomplete: `make native`)"
    return "compiled"


def _extension(build_dir: Path, module: str) -> bool:
    return any((build_dir / f"{module}{suffix}").is_file() for suffix in EXTENSION_SUFFIXES)


def activate(package_path: list[str]) -> str:
    """Put a current compiled build first on the package's search path; returns the state."""
    state = build_state()
    if state == "compiled":
        package_path.insert(0, str(BUILD_DIR))
    return state

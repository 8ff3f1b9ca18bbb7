"""The package shows its architecture: a few shared modules at the top, sub-packages by job that
say what they own, and no module too long to read."""

from __future__ import annotations

import ast
from pathlib import Path

from coach.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "coach"
MAX_LINES = 500
MAX_TOP_MODULES = 8  # besides __init__.py


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def test_no_module_is_over_500_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these by job: {long}"


def test_at_most_eight_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py")
    assert len(top) <= MAX_TOP_MODULES, top


def test_every_sub_package_says_what_it_owns_and_may_import() -> None:
    packages = [p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()]
    assert {p.name for p in packages} >= {"judgement", "llm", "bank", "learning", "surfaces"}
    for package in packages:
        docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text("utf-8")))
        assert docstring and "import" in docstring, f"{package.name} has no docstring saying so"

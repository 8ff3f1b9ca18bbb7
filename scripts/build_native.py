"""`make native`: compile the offline engine's hot modules with mypyc into .native/coach/.

The modules are `coach.native.COMPILED`; `coach` uses the build only while its manifest matches
the sources (coach/native.py). A machine with no C compiler gets one line saying so and runs the
plain modules; any other failure (a type mypyc rejects, a compiler error) fails the build.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

from coach import native

ROOT = native.PACKAGE_DIR.parent


def _missing_toolchain() -> str | None:
    """Why no C extension can be built here, if it cannot."""
    # What setuptools will run: $CC if set, else the compiler Python was built with.
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        return f"no C compiler ({compiler})"
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").exists():
        return f"no Python headers ({include})"
    return None


def build() -> None:
    from mypyc.build import mypycify  # only with the dev extras, as make installs them
    from setuptools import Distribution

    # The sources as they are now: one edited during the build makes the build out of date.
    manifest = native.manifest_for()
    sources = [f"coach/{name}.py" for name in native.COMPILED]
    staging = Path(tempfile.mkdtemp(prefix="native-", dir=ROOT / ".native"))
    try:
        extensions = mypycify(
            sources,
            opt_level="3",
            group_name="coach.native",  # the shared library: native.SHARED_LIBRARY
            target_dir=str(ROOT / "build" / "native-c"),
        )
        dist = Distribution({"name": "storycoach-native", "ext_modules": extensions})
        command = dist.get_command_obj("build_ext")
        command.build_lib = str(staging)  # type: ignore[attr-defined]
        command.build_temp = str(ROOT / "build" / "native-obj")  # type: ignore[attr-defined]
        dist.run_command("build_ext")
        built = staging / "coach"
        (built / native.MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        # Swap the whole directory in: a half-written build is never the one in use.
        shutil.rmtree(native.BUILD_DIR, ignore_errors=True)
        built.rename(native.BUILD_DIR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main() -> int:
    os.chdir(ROOT)  # mypyc reads the sources and pyproject's [tool.mypy] from here
    if native.build_state() == "compiled":
        (native.BUILD_DIR / native.MANIFEST).touch()  # newer than the sources again, for make
        print("native: the compiled build is current")
        return 0
    missing = _missing_toolchain()
    if missing:
        print(f"native: not built ({missing}); the plain Python modules run, same results, slower")
        return 0
    (ROOT / ".native").mkdir(exist_ok=True)
    build()
    print(f"native: compiled {len(native.COMPILED)} modules into {native.BUILD_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

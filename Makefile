# Every target builds its own virtual environment from pyproject.toml and constraints.txt.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck contracts pytest e2e browser bench bytecode instructions calibrate train eval clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	$(MAKE) --no-print-directory bytecode
	touch $(STAMP)

# pip byte-compiles what it installs, but not an editable project; where PYTHONDONTWRITEBYTECODE
# is set, every `storycoach` start would compile coach/ again (about 70 ms).
bytecode:
	$(BIN)/python -m compileall -q coach

# Loopback only, headless, no usage statistics: .streamlit/config.toml.
run: $(STAMP)
	$(BIN)/streamlit run app.py

test: lint typecheck contracts pytest e2e browser

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy coach

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/pytest -q -m "not llamacpp and not browser"

# The real openai client path against a real OpenAI-compatible server on 127.0.0.1. The server
# runs from its own venv (.venv-llama: it compiles for minutes); the script skips a built one.
e2e: $(STAMP)
	scripts/llama-venv
	$(BIN)/pytest -q -m llamacpp

# The app in headless Chromium (Debian's package; Playwright drives it, downloads no browser).
browser: $(STAMP)
	scripts/browser-deps
	$(BIN)/pytest -q -m browser

bench: $(STAMP) bytecode
	$(BIN)/python -m benchmarks.run

# Instructions per offline run (valgrind's callgrind): a speed figure that does not drift with the
# machine's load. About 2 minutes.
instructions: $(STAMP) bytecode
	scripts/count-instructions $(BIN)/python

calibrate: $(STAMP)
	$(BIN)/storycoach calibrate

# Fit the learned figure, placement, level and injection models to the corpus and write them beside
# the rubrics (rubrics/figure_model.v1.json, placement.v1.json, level_model.v2.json,
# injection_model.v1.json): the same corpus gives the same files.
train: $(STAMP)
	$(BIN)/storycoach train

# Grouped cross-validation on the corpus: the figures the README reports.
eval: $(STAMP)
	$(BIN)/storycoach eval

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache .hypothesis

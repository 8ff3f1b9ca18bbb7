"""Offline coaching results for a set of texts, as JSON: what the compiled build must reproduce.

`python -m tests.native_outputs` reads a JSON list of texts on stdin and prints the results, so a
test can compare this process's build against the plain modules in a second process.
"""

from __future__ import annotations

import json
import sys

from coach.config import PROJECT_ROOT
from coach.engine import coach_offline
from coach.figures import find_figures
from coach.models import Framework, Level
from coach.report import contract_json, to_contract
from coach.rubrics import load_rubrics


def outputs(texts: list[str]) -> list[str]:
    """Each text coached for both levels and frameworks (the result and the CLI's JSON), and its
    figures, as JSON strings."""
    rubrics = load_rubrics(PROJECT_ROOT / "rubrics")
    quant = rubrics.quantification
    found: list[str] = []
    for text in texts:
        for target, framework in ((Level.L6, Framework.STAR), (Level.L7, Framework.PSI)):
            result = coach_offline(
                text, rubrics, max_chars=len(text) + 1, target=target, framework=framework
            )
            found.append(result.model_dump_json())
            found.append(contract_json(to_contract(result)))  # the CLI's JSON (coach.report)
        figures = find_figures(
            text,
            0,
            len(text),
            count_nouns=quant.count_noun_set,
            not_figure_after=quant.not_figure_after_set,
        )
        found.append(json.dumps([figure.model_dump(mode="json") for figure in figures]))
    return found


if __name__ == "__main__":
    json.dump(outputs(json.load(sys.stdin)), sys.stdout)

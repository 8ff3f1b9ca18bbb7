"""The public outputs, pinned on the whole corpus: a change of structure that means no change of
behaviour must leave every story's JSON contract and Markdown report byte for byte the same.

A change that is meant to alter what the coach says rewrites the digests with
`pytest tests/test_contract.py --update-snapshots`; the diff then names the stories it moved.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet
from coach.learning.corpus import read_corpus
from coach.models import Framework, Level
from coach.surfaces.contract import contract_json, to_contract
from coach.surfaces.render import to_markdown

SNAPSHOT = Path(__file__).resolve().parent / "snapshots" / "contract.json"
# Both targets and both frameworks, spread over the corpus so each is seen in every source.
RUNS = [(Level.L6, Framework.STAR), (Level.L7, Framework.STAR), (Level.L7, Framework.PSI)]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _digests(rubrics: RubricSet) -> dict[str, str]:
    stories = read_corpus([PROJECT_ROOT / "corpus" / "stories"])
    digests: dict[str, str] = {}
    for index, story in enumerate(stories):
        target, framework = RUNS[index % len(RUNS)]
        result = coach_offline(
            story.notes, rubrics, target=target, framework=framework, max_chars=200_000
        )
        digests[story.id] = _digest(contract_json(to_contract(result)) + to_markdown(result))
    return digests


def test_every_corpus_story_gives_the_pinned_contract_and_report(
    rubrics: RubricSet, request: pytest.FixtureRequest
) -> None:
    digests = _digests(rubrics)
    if request.config.getoption("--update-snapshots"):
        SNAPSHOT.write_text(json.dumps(digests, indent=0, sort_keys=True) + "\n", encoding="utf-8")
    pinned = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    moved = sorted(
        name for name in pinned.keys() | digests.keys() if pinned.get(name) != digests.get(name)
    )
    assert not moved, (
        f"{len(moved)} stories' output changed (first: {moved[:5]}); if that is intended, run "
        "pytest tests/test_contract.py --update-snapshots and review which stories moved"
    )

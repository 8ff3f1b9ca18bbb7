"""The calibration report: the seed's four case studies, each coached at its labelled level."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coach.errors import InputError
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet
from coach.models import Level

_CASE_STUDY = re.compile(r"^(?P<level>L[67]) Case Study \d+: (?P<title>.+?)¶?$", re.MULTILINE)
_SEED_END = "Metrics and Quantification Guide"


@dataclass(frozen=True, slots=True)
class CaseStudy:
    """One of the seed's case studies, with the level the seed labels it."""

    title: str
    level: Level
    notes: str


@dataclass(frozen=True, slots=True)
class CaseResult:
    """How the coach read one case study."""

    title: str
    expected: Level
    estimate: Level
    quantification: int
    structure: int
    overall: int


def seed_case_studies(seed_text: str) -> list[CaseStudy]:
    """The complete case studies of the seed, each from its title to the next one."""
    heads = list(_CASE_STUDY.finditer(seed_text))
    end = seed_text.find(_SEED_END)
    bounds = [m.start() for m in heads] + [end if end != -1 else len(seed_text)]
    return [
        CaseStudy(head["title"].strip(), Level(head["level"]), seed_text[bounds[i] : bounds[i + 1]])
        for i, head in enumerate(heads)
    ]


def read_seed(path: Path) -> list[CaseStudy]:
    """Read the seed document's case studies."""
    try:
        return seed_case_studies(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"Cannot read the seed {path}: {exc.strerror or exc}.") from exc


def grade_case_studies(cases: list[CaseStudy], rubrics: RubricSet) -> list[CaseResult]:
    """Coach each case study at its own level and record what the coach read."""
    results = []
    for case in cases:
        coached = coach_offline(case.notes, rubrics, target=case.level, max_chars=len(case.notes))
        results.append(
            CaseResult(
                title=case.title,
                expected=case.level,
                estimate=coached.level.estimate,
                quantification=coached.scores.quantification.value,
                structure=coached.scores.structure.value,
                overall=coached.scores.overall.value,
            )
        )
    return results

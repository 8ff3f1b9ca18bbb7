"""Rubrics are data: every file loads, and a broken one is refused with a readable error."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from coach.config import PROJECT_ROOT
from coach.errors import CoachError, RubricError
from coach.judgement.injection_model import InjectionModel
from coach.judgement.level_model import LevelModel
from coach.judgement.rubrics import OverallRubric, load_rubric, load_rubrics, rubric_files
from coach.judgement.rubrics.guards import GuardRubric, InjectionRubric, LanguageRubric
from coach.judgement.rubrics.level import LevelRubric, ReachRubric
from coach.judgement.rubrics.quantification import QuantificationRubric
from coach.judgement.rubrics.star import StarPlusRubric
from coach.judgement.sequence_model import FigureModel, PlacementModel
from tests.conftest import rubrics_copy
from tests.strategies import joined_pieces

SCHEMAS = {
    "star_plus": StarPlusRubric,
    "quantification": QuantificationRubric,
    "level": LevelRubric,
    "injection": InjectionRubric,
    "guard": GuardRubric,
    "reach": ReachRubric,
    "language": LanguageRubric,
}
LEARNED = {
    "placement": PlacementModel,
    "level_model": LevelModel,
    "figure_model": FigureModel,
    "injection_model": InjectionModel,
}


def test_every_rubric_file_is_known_and_loads() -> None:
    found = rubric_files(PROJECT_ROOT / "rubrics")
    # The lexicon (word lists) sits beside the rubrics; tests/test_lexicon.py loads it.
    assert set(found) == {*SCHEMAS, *LEARNED, "overall", "lexicon"}
    for rubric_id, schema in SCHEMAS.items():
        rubric = load_rubric(PROJECT_ROOT / "rubrics", rubric_id, schema)
        assert rubric.id == rubric_id
    rubrics = load_rubrics(PROJECT_ROOT / "rubrics")
    assert rubrics.placement is not None and rubrics.level_model is not None
    assert rubrics.figure_model is not None and rubrics.versions["figure_model"] == 1


def _copy(tmp_path: Path, name: str, edit: tuple[str, str]) -> Path:
    source = (PROJECT_ROOT / "rubrics" / name).read_text(encoding="utf-8")
    assert edit[0] in source
    (tmp_path / name).write_text(source.replace(edit[0], edit[1], 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "schema", "edit", "message"),
    [
        ("level.v3.yaml", LevelRubric, ("min_dimensions:", "min_dimensionz:"), "invalid"),
        ("star_plus.v3.yaml", StarPlusRubric, ("position_weight:", "position_wieght:"), "invalid"),
        ("star_plus.v3.yaml", StarPlusRubric, ("'i had to'", "'i had ..2'"), "gap"),
        ("injection.v4.yaml", InjectionRubric, ("'<\\|(?:", "'<\\|((?:"), "pattern"),
        ("quantification.v3.yaml", QuantificationRubric, ("version: 3", "version: 4"), "agree"),
        ("level.v3.yaml", LevelRubric, ("dimensions:\n", "dimensions: [\n"), "cannot be read"),
        # A misspelt name is refused at load, naming the file and the key, not a KeyError later.
        (
            "overall.v2.yaml",
            OverallRubric,
            ("level_fit: 0.3", "level_fitt: 0.3"),
            r"overall\.v2\.yaml is invalid: weights\.level_fitt",
        ),
        (
            "quantification.v3.yaml",
            QuantificationRubric,
            ("- name: time_window", "- name: window"),
            r"quantification\.v3\.yaml is invalid: score\.components\.2\.name",
        ),
        (
            "quantification.v3.yaml",
            QuantificationRubric,
            ("  no_metrics:", "  no_metric:"),
            r"questions.*no_metric",
        ),
    ],
)
def test_broken_rubrics_are_refused(
    tmp_path: Path, name: str, schema: type, edit: tuple[str, str], message: str
) -> None:
    directory = _copy(tmp_path, name, edit)
    with pytest.raises(RubricError, match=message):
        load_rubric(directory, name.split(".")[0], schema)


def test_missing_rubric(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="No rubric named"):
        load_rubric(tmp_path, "level", LevelRubric)


def test_no_example_figures_in_questions() -> None:
    # Questions are shown to users next to their story: an example number there could be copied.
    import re

    rubric = load_rubric(PROJECT_ROOT / "rubrics", "quantification", QuantificationRubric)
    variants = [*rubric.kind_questions.values(), *rubric.section_questions.values()]
    by_kind = [t for questions in variants for t in questions.values()]
    for template in [*rubric.questions.values(), *by_kind]:
        assert not re.search(r"\d", template)


def test_a_misspelt_question_slot_is_refused(tmp_path: Path) -> None:
    rubrics_copy(tmp_path, "overall.v2.yaml", "level.judgment", "level.judgement")
    with pytest.raises(RubricError, match=r"level\.judgement"):
        load_rubrics(tmp_path)


# Injection words in both cases, a Turkish capital I and a Kelvin sign (both lower-case into
# something else), accents, markers and line ends.
_INJECTION_PIECES = ["ignore ", "IGNORE ", "Ignore ", "all ", "rules", "Rules", "score ", "SCORE ",
                     "this ", "100", "l7", "L7", "\u0130", "\u212a", "é", "system", "SYSTEM", ":",
                     "\n", " ", "<system>", "[INST]", "you are now"]  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(joined_pieces(_INJECTION_PIECES, 12))
def test_lower_cased_matching_finds_what_case_insensitive_matching_finds(text: str) -> None:
    for kind in load_rubrics(PROJECT_ROOT / "rubrics").injection.patterns:
        expected = [match.span() for match in kind.regex.finditer(text)]
        assert [match.span() for match in kind.finditer(text, text.lower())] == expected


def test_a_misspelt_rubric_key_is_one_clear_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coach.surfaces.cli import main

    rubrics_copy(tmp_path, "overall.v2.yaml", "level_fit:", "level_fitt:")
    monkeypatch.setenv("STORYCOACH_RUBRICS_DIR", str(tmp_path))
    notes = tmp_path / "notes.txt"
    notes.write_text("I cut p99 from 850ms to 320ms.", encoding="utf-8")
    assert main(["coach", str(notes), "--engine", "offline"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "overall.v2.yaml" in line and "level_fitt" in line and "Traceback" not in line


def test_errors_carry_their_context(tmp_path: Path) -> None:
    directory = _copy(tmp_path, "level.v3.yaml", ("min_dimensions:", "min_dimensionz:"))
    with pytest.raises(RubricError) as raised:
        load_rubric(directory, "level", LevelRubric)
    assert raised.value.context == {"file": str(directory / "level.v3.yaml")}
    assert isinstance(raised.value, CoachError)

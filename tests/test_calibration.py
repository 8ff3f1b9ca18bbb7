"""The seed's case studies read at their labelled levels and are well quantified."""

from __future__ import annotations

from coach.judgement.rubrics import RubricSet
from coach.learning.calibration import grade_case_studies, seed_case_studies
from coach.models import Level


def test_seed_case_studies_read_at_their_levels_and_are_well_quantified(
    seed_text: str, rubrics: RubricSet
) -> None:
    cases = seed_case_studies(seed_text)
    assert [c.level for c in cases] == [Level.L6, Level.L6, Level.L7, Level.L7]
    results = grade_case_studies(cases, rubrics)
    assert [r.estimate for r in results] == [Level.L6, Level.L6, Level.L7, Level.L7]
    assert all(r.quantification >= 70 for r in results), [r.quantification for r in results]

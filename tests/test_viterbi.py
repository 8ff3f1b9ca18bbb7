"""The restructurer's Viterbi pass finds a best-scoring section sequence."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from coach.judgement.restructurer import _best_path
from coach.judgement.rubrics import RubricSet
from coach.judgement.rubrics.star import StarPlusRubric
from coach.models import Section

SECTIONS = len(Section)


def _path_score(path: list[int], emissions: list[list[float]], rubric: StarPlusRubric) -> float:
    seq = rubric.sequence
    total = sum(row[state] for row, state in zip(emissions, path, strict=True))
    for source, target in itertools.pairwise(path):
        if target > source:
            total -= seq.skip_penalty * (target - source - 1)
        elif target < source:
            total -= seq.backward_penalty
    return total


def _best_score(emissions: list[list[float]], rubric: StarPlusRubric) -> float:
    """The textbook O(units x sections^2) recurrence, as the reference."""
    scores = list(emissions[0])
    for row in emissions[1:]:
        scores = [
            max(
                _path_score([source, target], [[0.0] * SECTIONS] * 2, rubric) + scores[source]
                for source in range(SECTIONS)
            )
            + row[target]
            for target in range(SECTIONS)
        ]
    return max(scores)


emission_rows = st.lists(
    st.lists(
        st.floats(min_value=-5, max_value=5, allow_nan=False), min_size=SECTIONS, max_size=SECTIONS
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(emission_rows)
def test_the_path_scores_as_well_as_the_best_sequence(
    rubrics: RubricSet, emissions: list[list[float]]
) -> None:
    path = _best_path(emissions, rubrics.star_plus)
    assert len(path) == len(emissions)
    assert (
        abs(
            _path_score(path, emissions, rubrics.star_plus)
            - _best_score(emissions, rubrics.star_plus)
        )
        < 1e-9
    )


def test_ties_go_to_the_earliest_section(rubrics: RubricSet) -> None:
    assert _best_path([[1.0] * SECTIONS] * 3, rubrics.star_plus) == [0, 0, 0]

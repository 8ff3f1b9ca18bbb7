"""The story's shape: which sections it has, how its words are shared, how long it takes to say."""

from __future__ import annotations

import pytest

from coach.judgement.cues import tokenize
from coach.judgement.placement import Measured, PlacedUnit
from coach.judgement.rubrics import RubricSet
from coach.judgement.rubrics.star import StarPlusRubric
from coach.judgement.structure import (
    StructureFeatures,
    psi_shares,
    seconds_to_say,
    spoken_seconds,
    structure_features,
    structure_points,
    structure_score,
)
from coach.models import CORE_SECTIONS, Framework, PsiSection, Section

# Shares of the core words inside every range of the shipped rubric (the story reads balanced).
BALANCED = {Section.SITUATION: 15, Section.TASK: 10, Section.ACTION: 50, Section.RESULT: 25}


def _features(words: dict[Section, int]) -> StructureFeatures:
    """A story with these words per section; a section with none is absent."""
    counts = dict.fromkeys(Section, 0) | words
    return StructureFeatures(frozenset(s for s, n in counts.items() if n), counts)


def _scaled(words: dict[Section, int], total: int) -> dict[Section, int]:
    """The same shares, `total` words in all."""
    whole = sum(words.values())
    return {s: n * total // whole for s, n in words.items()}


def _points(
    features: StructureFeatures, rubric: StarPlusRubric, framework: Framework = Framework.STAR
) -> dict[str, float]:
    score = structure_score(features, rubric, framework)
    return {c.name: c.points for c in score.components}


def test_words_are_counted_per_section_and_only_sections_with_words_are_present() -> None:
    notes = "Checkout was slow at peak. I moved the check to a queue."
    action = notes.index("I moved")
    placed = [
        PlacedUnit(0, action - 1, 0, Section.SITUATION, None, Measured((), ())),
        PlacedUnit(action, len(notes), 1, Section.ACTION, None, Measured((), ())),
        PlacedUnit(len(notes), len(notes), 2, Section.RESULT, None, Measured((), ())),
    ]
    features = structure_features(placed, tokenize(notes))
    assert features.present == {Section.SITUATION, Section.ACTION}
    assert features.words[Section.SITUATION] == 5
    assert features.words[Section.ACTION] == 7
    assert features.total_words == 12


@pytest.mark.parametrize(
    ("words", "pace", "seconds"), [(150, 150, 60), (375, 150, 150), (100, 120, 50), (2, 150, 1)]
)
def test_speaking_time_is_words_at_a_pace_rounded_to_the_second(
    words: int, pace: int, seconds: int
) -> None:
    assert seconds_to_say(words, pace) == seconds


def test_a_minute_of_words_at_the_rubrics_pace_takes_sixty_seconds(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    pace = rubric.score.length.words_per_minute
    assert spoken_seconds(pace, rubric) == 60
    assert spoken_seconds(3 * pace, rubric) == 180


def test_adding_a_section_leaves_the_original_features_alone() -> None:
    features = _features({Section.ACTION: 40})
    more = features.with_section(Section.RESULT)
    assert more.present == {Section.ACTION, Section.RESULT}
    assert features.present == {Section.ACTION}
    assert more.words == features.words  # an answer's words are not counted here


def test_a_story_with_every_section_is_complete(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    complete = _features(dict.fromkeys(Section, 10))
    assert _points(complete, rubric)["completeness"] == rubric.score.completeness.weight
    assert "missing" not in structure_score(complete, rubric, Framework.STAR).components[0].reason


def test_a_missing_section_costs_its_rubric_weight(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    weights = rubric.score.completeness.section_weights
    full = _points(_features(dict.fromkeys(Section, 10)), rubric)["completeness"]
    lost = {}
    for section in (Section.ACTION, Section.LESSONS):
        without = _features(dict.fromkeys(set(Section) - {section}, 10))
        lost[section] = full - _points(without, rubric)["completeness"]
        reason = structure_score(without, rubric, Framework.STAR).components[0].reason
        assert section.value in reason  # the reason names what is missing
    assert weights[Section.ACTION] > weights[Section.LESSONS]
    assert lost[Section.ACTION] > lost[Section.LESSONS] > 0


def test_balance_is_full_when_each_core_section_holds_its_share(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    assert _points(_features(BALANCED), rubric)["balance"] == rubric.score.balance.weight


def test_balance_reads_the_core_sections_only(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    with_lessons = _features(BALANCED | {Section.LESSONS: 200})
    assert _points(with_lessons, rubric)["balance"] == rubric.score.balance.weight


def test_a_core_section_without_words_earns_no_balance_for_its_part(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    no_task = _features(BALANCED | {Section.TASK: 0})
    parts = len(rubric.score.balance.ranges)
    assert _points(no_task, rubric)["balance"] <= rubric.score.balance.weight * (parts - 1) / parts


def test_a_story_all_action_is_out_of_balance(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    lopsided = _features(
        {Section.SITUATION: 2, Section.TASK: 2, Section.ACTION: 90, Section.RESULT: 6}
    )
    assert _points(lopsided, rubric)["balance"] < _points(_features(BALANCED), rubric)["balance"]


def test_length_is_full_inside_the_ideal_and_falls_to_nothing_outside(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    length = rubric.score.length
    pace = length.words_per_minute
    low, high = length.ideal_seconds

    def points(seconds: float) -> float:
        words = round(seconds * pace / 60)
        return _points(_features(_scaled(BALANCED, words)), rubric)["length"]

    assert points(low) == points(high) == length.weight
    assert points(length.zero_below_seconds) == 0
    assert points(length.zero_above_seconds) == 0
    halfway_up = (length.zero_below_seconds + low) / 2
    assert points(halfway_up) == pytest.approx(length.weight / 2, abs=0.5)
    assert 0 < points((high + length.zero_above_seconds) / 2) < length.weight


def test_psi_folds_sections_into_problem_solution_and_impact(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    features = _features({Section.SITUATION: 10, Section.TASK: 15, Section.ACTION: 40,
                          Section.TRADEOFFS: 10, Section.LESSONS: 25})  # fmt: skip
    shares = psi_shares(features, rubric)
    assert shares == pytest.approx(
        {PsiSection.PROBLEM: 0.25, PsiSection.SOLUTION: 0.5, PsiSection.IMPACT: 0.25}
    )
    assert _points(features, rubric, Framework.PSI)["balance"] == rubric.score.balance.weight


def test_an_empty_story_has_no_shares_rather_than_failing(rubrics: RubricSet) -> None:
    shares = psi_shares(_features({}), rubrics.star_plus)
    assert set(shares.values()) == {0.0}


def test_psi_needs_one_section_of_each_part_not_every_star_section(rubrics: RubricSet) -> None:
    rubric = rubrics.star_plus
    three = _features({Section.TASK: 10, Section.ACTION: 10, Section.RESULT: 10})
    assert _points(three, rubric, Framework.PSI)["completeness"] == rubric.score.completeness.weight
    assert _points(three, rubric)["completeness"] < rubric.score.completeness.weight
    no_impact = _features({Section.TASK: 10, Section.ACTION: 10})
    reason = structure_score(no_impact, rubric, Framework.PSI).components[0].reason
    assert PsiSection.IMPACT.value in reason


@pytest.mark.parametrize("framework", list(Framework))
@pytest.mark.parametrize(
    "words",
    [BALANCED, dict.fromkeys(CORE_SECTIONS, 37), {Section.ACTION: 500, Section.LESSONS: 3}],
)
def test_the_points_questions_compare_are_the_score_shown(
    words: dict[Section, int], framework: Framework, rubrics: RubricSet
) -> None:
    rubric = rubrics.star_plus
    features = _features(words)
    score = structure_score(features, rubric, framework)
    assert score.value == round(structure_points(features, rubric, framework))
    completeness = next(c for c in score.components if c.name == "completeness")
    alone = structure_points(features, rubric, framework, only_completeness=True)
    assert alone == pytest.approx(100 * completeness.points / rubric.score.total_weight, abs=0.01)

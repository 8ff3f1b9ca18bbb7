"""The structure score: completeness by the rubric's weights, balance of the core sections,
spoken length, and the Problem-Solution-Impact reading of the same words."""

from __future__ import annotations

import pytest

from coach.judgement.restructurer import restructure
from coach.judgement.rubrics import RubricSet
from coach.judgement.structure import (
    StructureFeatures,
    psi_shares,
    seconds_to_say,
    structure_features,
    structure_points,
    structure_score,
)
from coach.models import Framework, PsiSection, Section

# Core shares inside the rubric's ranges, plus sections, and 375 words: 150 s at 150 a minute.
BALANCED = {
    Section.SITUATION: 50,
    Section.TASK: 30,
    Section.ACTION: 150,
    Section.RESULT: 70,
    Section.LEADERSHIP_IMPACT: 20,
    Section.TRADEOFFS: 20,
    Section.LESSONS: 20,
    Section.FUTURE_APPLICATIONS: 15,
}


def _features(words: dict[Section, int]) -> StructureFeatures:
    counts = dict.fromkeys(Section, 0) | words
    return StructureFeatures(frozenset(s for s, n in counts.items() if n), counts)


def _component(features: StructureFeatures, rubrics: RubricSet, name: str) -> tuple[float, str]:
    score = structure_score(features, rubrics.star_plus, Framework.STAR)
    part = next(c for c in score.components if c.name == name)
    return part.points, part.reason


def test_speaking_time_is_words_over_the_pace() -> None:
    assert seconds_to_say(300, 150) == 120
    assert seconds_to_say(1, 150) == 0 and seconds_to_say(3, 150) == 1  # rounded, not floored


def test_a_complete_balanced_story_of_the_right_length_scores_full_marks(
    rubrics: RubricSet,
) -> None:
    score = structure_score(_features(BALANCED), rubrics.star_plus, Framework.STAR)
    assert score.value == 100
    reasons = {c.name: c.reason for c in score.components}
    assert reasons["completeness"] == "all sections present"


def test_a_missing_section_costs_exactly_its_completeness_weight(rubrics: RubricSet) -> None:
    completeness = rubrics.star_plus.score.completeness
    weights = completeness.section_weights
    full, _ = _component(_features(BALANCED), rubrics, "completeness")
    without = {s: n for s, n in BALANCED.items() if s is not Section.LESSONS}
    points, reason = _component(_features(without), rubrics, "completeness")
    lost = completeness.weight * weights[Section.LESSONS] / sum(weights.values())
    assert full - points == pytest.approx(lost, abs=0.01)
    assert reason == "missing: lessons"


def test_an_action_that_crowds_out_the_rest_loses_balance_not_completeness(
    rubrics: RubricSet,
) -> None:
    crowded = BALANCED | {Section.ACTION: 1_000}
    balanced_points, _ = _component(_features(BALANCED), rubrics, "balance")
    points, reason = _component(_features(crowded), rubrics, "balance")
    assert points < balanced_points
    assert "action 87%" in reason  # its share of the core sections' words is said
    assert _component(_features(crowded), rubrics, "completeness")[0] == pytest.approx(
        _component(_features(BALANCED), rubrics, "completeness")[0]
    )


def test_length_is_full_inside_two_to_three_minutes_and_nothing_past_ten(
    rubrics: RubricSet,
) -> None:
    length = rubrics.star_plus.score.length
    inside, reason = _component(_features(BALANCED), rubrics, "length")
    assert inside == length.weight and reason == "375 words, about 150 s spoken (aim 120-180 s)"
    rambling = {s: n * 5 for s, n in BALANCED.items()}  # 1,875 words: 750 s
    assert _component(_features(rambling), rubrics, "length")[0] == 0


def test_only_completeness_counts_what_answering_for_a_section_can_move(
    rubrics: RubricSet,
) -> None:
    features = _features({Section.ACTION: 40, Section.RESULT: 10})
    star = rubrics.star_plus
    alone = structure_points(features, star, Framework.STAR, only_completeness=True)
    weights = star.score.completeness.section_weights
    share = (weights[Section.ACTION] + weights[Section.RESULT]) / sum(weights.values())
    assert alone == pytest.approx(100 * star.score.completeness.weight * share / 100)
    assert structure_points(features, star, Framework.STAR) > alone  # balance and length add


def test_problem_solution_impact_folds_the_star_sections(rubrics: RubricSet) -> None:
    features = _features({Section.TASK: 25, Section.TRADEOFFS: 50, Section.LESSONS: 25})
    shares = psi_shares(features, rubrics.star_plus)
    assert shares == {PsiSection.PROBLEM: 0.25, PsiSection.SOLUTION: 0.5, PsiSection.IMPACT: 0.25}
    score = structure_score(features, rubrics.star_plus, Framework.PSI)
    reasons = {c.name: c.reason for c in score.components}
    assert reasons["completeness"] == "all sections present"  # each part has a section it folds
    assert reasons["balance"] == "problem 25%, solution 50%, impact 25%"
    assert _component(features, rubrics, "completeness")[1].startswith("missing: situation")


def test_words_are_counted_per_section_as_placed(rubrics: RubricSet) -> None:
    notes = "Situation: checkout was slow at peak.\nResult: p99 fell from 850ms to 320ms."
    analysis = restructure(notes, rubrics).analysis
    features = structure_features(analysis.units, analysis.tokens)
    assert features.present == {Section.SITUATION, Section.RESULT}
    assert features.words[Section.RESULT] > 0 and features.words[Section.ACTION] == 0
    assert features.total_words == sum(features.words.values())

"""The questions a graded story asks: each fits what the story lacks, points at the words it is
about, is worth what answering it alone would add, and one answer is never asked for twice."""

from __future__ import annotations

from coach.judgement.offline import prepare_notes
from coach.judgement.rubrics import RubricSet
from coach.models import Framework, Level, Question, Section

PROFILED = (
    "Checkout was slow at peak.\nI owned the fix.\n"
    "I profiled the service and moved the inventory check to a queue.\n"
    "Result: p99 dropped to 320ms."
)


def _questions(notes: str, rubrics: RubricSet, target: Level = Level.L6) -> list[Question]:
    return prepare_notes(notes, rubrics).grade(rubrics, target, Framework.STAR).questions


def test_questions_come_best_first_and_no_more_than_the_rubric_allows(
    rubrics: RubricSet,
) -> None:
    asked = _questions(PROFILED, rubrics)
    gains = [q.gain for q in asked]
    assert gains == sorted(gains, reverse=True) and all(g > 0 for g in gains)
    assert 0 < len(asked) <= rubrics.overall.max_questions


def test_a_result_figure_without_a_baseline_is_asked_about_by_its_own_words(
    rubrics: RubricSet,
) -> None:
    asked = _questions(PROFILED, rubrics)
    about_figure = [q for q in asked if q.slot.startswith("metric.") and "baseline" in q.slot]
    assert about_figure, [q.slot for q in asked]
    question = about_figure[0]
    assert question.about is not None and "320ms" in question.about.text
    assert question.section is Section.RESULT
    assert PROFILED[question.about.start : question.about.end] == question.about.text


def test_a_missing_section_is_asked_for_in_that_section(rubrics: RubricSet) -> None:
    asked = {q.slot: q for q in _questions(PROFILED, rubrics)}
    lessons = asked.get("section.lessons") or asked.get("section.tradeoffs")
    assert lessons is not None
    assert lessons.section is Section(lessons.slot.removeprefix("section."))
    assert "result" not in {q.slot.removeprefix("section.") for q in asked.values()}


def test_notes_without_a_result_figure_are_asked_for_one(rubrics: RubricSet) -> None:
    asked = _questions("I led the migration of the billing service to Kubernetes.", rubrics)
    assert "metric.none" in {q.slot for q in asked}


def test_one_answer_is_never_asked_for_twice(rubrics: RubricSet) -> None:
    for notes in (PROFILED, "I led the migration of the billing service to Kubernetes."):
        slots = {q.slot for q in _questions(notes, rubrics, Level.L7)}
        for first, second in rubrics.overall.same_answer:
            assert len({first, second} & slots) == 1, (first, second)  # the one worth more


def test_the_same_story_always_asks_the_same_questions(rubrics: RubricSet) -> None:
    assert _questions(PROFILED, rubrics) == _questions(PROFILED, rubrics)

"""The spoken cut reads its pace and time limit from the rubric, not from constants of its own."""

from __future__ import annotations

from coach.judgement.rubrics import RubricSet
from coach.surfaces.render import spoken_version_for

from .conftest import coach

NOTES = (
    "Situation: our checkout p99 was 850ms at peak, and six teams were blocked by it.\n"
    "Task: I owned the fix across the payment and inventory services.\n"
    "Action: I profiled the pool, moved the inventory call to a queue and added a cache.\n"
    "Result: p99 went from 850ms to 320ms over two weeks, measured on our dashboard.\n"
)


def test_the_spoken_cut_follows_the_rubric(rubrics: RubricSet) -> None:
    result = coach(NOTES, rubrics)
    length = rubrics.star_plus.score.length
    whole = spoken_version_for(result, rubrics.star_plus)
    # The short story fits the rubric's time: timed at the rubric's pace.
    assert whole.words_per_minute == length.words_per_minute
    assert whole.seconds == round(whole.words * 60 / length.words_per_minute)
    assert whole.seconds <= length.ideal_seconds[1]
    # A slower pace and a shorter limit in the rubric cut the same story, section by section.
    slow = length.model_copy(update={"words_per_minute": 60, "ideal_seconds": (10, 20)})
    rubric = rubrics.star_plus.model_copy(
        update={"score": rubrics.star_plus.score.model_copy(update={"length": slow})}
    )
    spoken = spoken_version_for(result, rubric)
    assert spoken.words_per_minute == 60 and spoken.seconds <= 20
    assert 0 < spoken.words <= 20 < whole.words
    assert set(whole.dropped) < set(spoken.dropped)  # more sections lost sentences

"""Property tests: any text in, no exception out, and every span indexes the input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coach.errors import InputError
from coach.judgement.prose import only_allowed_edits
from coach.judgement.rubrics import RubricSet
from coach.models import CoachResult, Level, Section

from .conftest import coach

_WORDS = st.sampled_from(
    ["I", "we", "cut", "p99", "from", "850ms", "to", "320ms", "-", "\n", "Situation:", "$4.2M",
     "teams", "three", "led", "vs.", "~30", "%", "¶", "**", "Result", "2023", "SYSTEM:", ".", ","]
)  # fmt: skip
_NOTES = st.one_of(
    st.text(max_size=600),
    st.lists(_WORDS, max_size=120).map(" ".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300),
)


def _spans(result: CoachResult) -> list[tuple[str, int, int]]:
    # A story element is written as a sentence; the words it rests on are its sources.
    elements = [e for s in Section for e in result.story.elements(s)]
    spans = [(x.text, x.start, x.end) for e in elements for x in e.sources]
    spans += [(m.text, m.start, m.end) for m in result.metrics]
    for signal in result.level.signals:
        spans += [(e.text, e.start, e.end) for e in signal.evidence]
    for flag in result.flags:
        spans += [(e.text, e.start, e.end) for e in flag.evidence]
    return spans


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(notes=_NOTES, target=st.sampled_from([Level.L6, Level.L7]))
def test_any_text_coaches_or_is_refused_cleanly(
    notes: str, target: Level, rubrics: RubricSet
) -> None:
    try:
        result = coach(notes, rubrics, target)
    except InputError:
        assert not notes.strip()
        return
    for text, start, end in _spans(result):
        assert 0 <= start <= end <= len(notes)
        assert notes[start:end] == text
    for element in (e for s in Section for e in result.story.elements(s)):
        words = notes[element.start : element.end]
        assert element.verbatim == (element.text == words)
        assert only_allowed_edits(words, element.text)
    for score in (result.scores.overall, result.scores.quantification):
        assert 0 <= score.value <= 100


def test_huge_input_is_coached(rubrics: RubricSet) -> None:
    notes = ("I cut p99 from 850ms to 320ms over two weeks. " * 2000)[:150_000]
    result = coach(notes, rubrics)
    assert result.word_count > 10_000

"""Answers pinned to their slots: placed where their question pointed, never re-classified, and
never costing the story points; the CLI reads them from a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT
from coach.errors import InputError
from coach.judgement.answers import Answer, Slot, answers_for, coverage_slot, material, metric_slot
from coach.judgement.offline import coach_offline
from coach.judgement.prose import only_allowed_edits
from coach.judgement.rubrics import RubricSet
from coach.learning.corpus import read_corpus
from coach.llm.guard import SourceFacts, check_text
from coach.models import CoachResult, Level, MetricCheck, Question, Section
from coach.surfaces.cli import main

from .typical_answers import typical_answer

NOTES = """nightly export job slow, took 2+ hours
goal: get it under 15 min before Q3 close
- i profiled it, found N+1 queries in the ledger join
- rewrote the join as a batch query, which cut runtime to 12 min instead of 2+ hours
- convinced the DB lead to add an index
Result - finance gets reports at 6am now
learned to profile first
"""
LIMIT = 100_000


def _coach(rubrics: RubricSet, answers: list[Answer] | None = None) -> CoachResult:
    return coach_offline(NOTES, rubrics, max_chars=LIMIT, answers=answers or [])


def test_slots_read_back_what_they_name() -> None:
    slot = Slot.parse(metric_slot([MetricCheck.TIME_WINDOW, MetricCheck.METHOD], 193))
    assert (slot.kind, slot.checks, slot.at) == (
        "metric", (MetricCheck.TIME_WINDOW, MetricCheck.METHOD), 193
    )  # fmt: skip
    assert slot.is_metric_checks and not slot.is_coverage
    assert Slot.parse(coverage_slot(260)).is_coverage
    level = Slot.parse("level.people")
    assert (level.kind, level.name, level.checks, level.at) == ("level", "people", (), None)


def test_the_material_keeps_every_span_of_the_notes() -> None:
    given = [
        Answer("section.lessons", "  profile\n first ", Section.LESSONS),
        Answer("section.tradeoffs", "   ", Section.TRADEOFFS),
    ]
    read = material(NOTES, given)
    assert read.text.startswith(NOTES) and read.notes_end == len(NOTES)
    assert len(read.answers) == 1  # a blank answer is no answer
    start, end = read.spans[0]
    assert read.text[start:end] == "profile first"
    assert read.answer_at(start) == 0 and read.answer_at(0) is None


def test_every_question_names_its_section(rubrics: RubricSet) -> None:
    for target in (Level.L6, Level.L7):
        result = coach_offline(NOTES, rubrics, max_chars=LIMIT, target=target)
        assert result.questions and all(q.section is not None for q in result.questions)


def test_an_answer_lands_in_its_section_as_the_users_words(rubrics: RubricSet) -> None:
    before = _coach(rubrics)
    # Worded like a result, labelled like a result: it still goes where its question pointed.
    text = "Result: we picked a batch query over a read cache, which would have gone stale."
    after = _coach(rubrics, [Answer("section.tradeoffs", text, Section.TRADEOFFS, "Which...?")])
    placed = [e for e in after.story.elements(Section.TRADEOFFS) if e.source == "answer"]
    assert [e.answer for e in placed] == [0]
    assert all(e.sources[0].text in text for e in placed)
    assert after.answers[0].answer == text and after.answers[0].section is Section.TRADEOFFS
    # The notes are placed exactly as they were: answering moves none of them.
    for section in Section:
        old = [(e.start, e.end) for e in before.story.elements(section)]
        new = [(e.start, e.end) for e in after.story.elements(section) if e.source == "notes"]
        assert old == new


def test_an_answer_about_a_figure_is_its_evidence(rubrics: RubricSet) -> None:
    before = _coach(rubrics)
    asked = next(q for q in before.questions if Slot.parse(q.slot).is_metric_checks)
    after = _coach(
        rubrics, [Answer(asked.slot, typical_answer(asked), asked.section or Section.RESULT)]
    )
    metric = next(m for m in after.metrics if m.start == Slot.parse(asked.slot).at)
    assert all(getattr(metric, check) for check in Slot.parse(asked.slot).checks)
    assert len(after.metrics) == len(before.metrics)
    assert asked.slot not in {q.slot for q in after.questions}


def test_a_method_answer_that_names_its_source_is_the_method(rubrics: RubricSet) -> None:
    before = _coach(rubrics)
    metric = next(m for m in before.metrics if m.is_result and not m.method)
    slot = metric_slot([MetricCheck.METHOD], metric.start)
    # No cue word ("measured", "dashboard"): the tool's name, after "in", says where it was read.
    for answer, counts in [("That is the job's duration in Airflow.", True),
                           ("I checked it in March.", False), ("Not sure.", False)]:  # fmt: skip
        after = _coach(rubrics, [Answer(slot, answer, Section.RESULT)])
        [again] = [m for m in after.metrics if m.start == metric.start]
        assert again.method is counts, answer


def test_what_an_answer_says_is_not_asked_about_again(rubrics: RubricSet) -> None:
    # Told in reply to a question about people, with a figure in it: neither its sentences
    # ("You wrote ...: what changed because of it?") nor its figure ("How was a year measured?")
    # come back as questions.
    answer = Answer(
        "level.people",
        "I persuaded the database lead, who had refused the index for a year, by showing him "
        "the query profile; he now reviews our schema changes early.",
        Section.LEADERSHIP_IMPACT,
    )
    result = _coach(rubrics, [answer])
    [start] = [a.start for a in result.answers]
    assert any(m.answer == 0 for m in result.metrics)  # the figure is read...
    for question in result.questions:  # ...but nothing in the answer is asked about
        assert question.about is None or question.about.start < start, question.question
    assert not any("a year" in q.question for q in result.questions)


def test_unknown_slots_are_refused_with_the_ones_that_would_do() -> None:
    asked = [
        Question(slot="level.people", question="Whom?", gain=3, section=Section.LEADERSHIP_IMPACT)
    ]
    pairs = [
        {"slot": "level.people", "answer": "I mentored Ana."},
        {"slot": "section.lessons", "answer": "Measure first."},
    ]
    good = answers_for(pairs, asked)
    assert [a.section for a in good] == [Section.LEADERSHIP_IMPACT, Section.LESSONS]
    with pytest.raises(InputError, match=r"level\.people"):
        answers_for([{"slot": "metric.none", "answer": "x"}], asked)
    with pytest.raises(InputError, match="needs"):
        answers_for([{"slot": 3}], asked)


def test_answering_what_was_asked_never_costs_points_and_earns_the_promise(
    rubrics: RubricSet,
) -> None:
    """Over a quarter of the corpus, every question answered alone with a typical answer."""
    stories = read_corpus([PROJECT_ROOT / "corpus" / "stories"])[::4]
    lowered, kept, asked = [], 0, 0
    for story in stories:
        notes = story.record.notes
        base = coach_offline(notes, rubrics, max_chars=LIMIT)
        for question in base.questions:
            assert question.section is not None
            answer = Answer(question.slot, typical_answer(question), question.section)
            again = coach_offline(notes, rubrics, max_chars=LIMIT, answers=[answer])
            delta = again.scores.overall.value - base.scores.overall.value
            asked += 1
            if delta < 0:
                lowered.append((story.record.id, question.slot, delta))
            # Scores are whole numbers: a promise of 2.4 shows as 1 to 3 points.
            kept += delta >= question.gain - 1.5
    assert asked > 1000
    assert lowered == []
    assert kept / asked >= 0.99


def test_the_cli_takes_answers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(NOTES, encoding="utf-8")
    assert main(["coach", str(notes), "--format", "json"]) == 0
    first = json.loads(capsys.readouterr().out)
    slot = first["questions"][0]["slot"]
    answers = tmp_path / "answers.json"
    answer = "Over the four weeks after launch, on the Grafana dashboard."
    answers.write_text(json.dumps([{"slot": slot, "answer": answer}]), encoding="utf-8")
    assert main(["coach", str(notes), "--answers", str(answers), "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["answers"][0]["slot"] == slot
    section = first["questions"][0]["section"]
    assert [e["answer"] for e in second["story"][section] if e["source"] == "answer"] == [0]
    assert second["scores"]["overall"] >= first["scores"]["overall"]
    answers.write_text('[{"slot": "level.nothing", "answer": "x"}]', encoding="utf-8")
    assert main(["coach", str(notes), "--answers", str(answers)]) == 2
    assert "no question asked" in capsys.readouterr().err


def test_the_offline_story_is_written_and_the_guard_finds_nothing_new(rubrics: RubricSet) -> None:
    """Every element of every corpus story: a sentence made by the allowed edits alone, that the
    model path's guard (figures, names, "I" only where the notes say it) accepts, with the
    notes' words kept as its source."""
    stories = read_corpus([PROJECT_ROOT / "corpus" / "stories"])
    written = 0
    for story in stories:
        notes = story.record.notes
        result = coach_offline(notes, rubrics, max_chars=LIMIT)
        facts = SourceFacts(notes, rubrics)
        for section in Section:
            for element in result.story.elements(section):
                words = notes[element.start : element.end]
                assert [s.text for s in element.sources] == [words]
                assert element.verbatim == (element.text == words)
                assert only_allowed_edits(words, element.text), (words, element.text)
                assert check_text(element.text, facts, quoted=words) == [], element.text
                written += not element.verbatim
    assert written > 1000  # most rough notes need a capital, a full stop or a subject

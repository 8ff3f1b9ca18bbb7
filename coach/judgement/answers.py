"""Answers pinned to the slots their questions named: what the coach reads, and where they go.

A question names a slot ("section.tradeoffs", "metric.baseline+method@193", "level.people") and
the section its answer belongs to. The answer is the user's own words: it is placed in that
section, never re-classified and never captured by a heading of the notes. The coach reads the
notes followed by each answer as its own paragraph (the *material*), so every span of the notes is
also a span of the material, and the answers' spans come after the notes.

An answer about one figure or one statement of the notes (the slot ends in "@<position>") is
attached to it: its words are that figure's evidence (its baseline, window, method...) or that
statement's figure, not a new statement of their own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

from coach.errors import InputError
from coach.judgement.placement import PlacedUnit
from coach.models import AnsweredSlot, MetricCheck, Question, Section

_PARAGRAPH: Final = "\n\n"
_SLOT_AT: Final = "@"


@dataclass(frozen=True, slots=True)
class Slot:
    """A question's slot, read: its kind ("section", "metric", "level"), the rest of its name,
    the metric checks it asks for, and the position in the notes it is about, if any."""

    kind: str
    name: str
    checks: tuple[MetricCheck, ...]
    at: int | None

    @classmethod
    def parse(cls, slot: str) -> Slot:
        """Read a slot name such as "metric.time_window+method@193"."""
        head, _, position = slot.partition(_SLOT_AT)
        kind, _, name = head.partition(".")
        known = {check.value: check for check in MetricCheck}
        checks = tuple(known[part] for part in name.split("+") if part in known)
        at = int(position) if position.isdigit() else None
        return cls(kind, name, checks if kind == "metric" else (), at)

    @property
    def is_coverage(self) -> bool:
        """Asks for a figure for one statement of the notes ("metric.coverage@260")."""
        return self.kind == "metric" and self.name == "coverage" and self.at is not None

    @property
    def is_metric_checks(self) -> bool:
        """Asks for one figure's missing checks ("metric.baseline+method@193")."""
        return bool(self.checks) and self.at is not None


def metric_slot(checks: Sequence[MetricCheck], at: int) -> str:
    """The slot of a question asking one figure's missing checks."""
    return "metric." + "+".join(check.value for check in checks) + f"{_SLOT_AT}{at}"


def coverage_slot(at: int) -> str:
    """The slot of a question asking for the figure of one statement."""
    return f"metric.coverage{_SLOT_AT}{at}"


@dataclass(frozen=True, slots=True)
class Answer:
    """The user's answer to one question, with the slot and section the question named."""

    slot: str
    answer: str
    section: Section
    question: str = ""

    @property
    def text(self) -> str:
        """The answer as one paragraph: it is read as a paragraph of its own."""
        return " ".join(self.answer.split())


@dataclass(frozen=True, slots=True)
class Material:
    """The notes and the answers as the coach reads them: `text[:notes_end]` is the notes."""

    text: str
    notes_end: int
    answers: tuple[Answer, ...]
    spans: tuple[tuple[int, int], ...]  # each answer's span in `text`

    def answer_at(self, position: int) -> int | None:
        """The index of the answer holding `position` of the text, if an answer does."""
        if position < self.notes_end:
            return None
        for index, (start, end) in enumerate(self.spans):
            if start <= position < end:
                return index
        return None


def answer_element(material: Material, index: int, start: int, end: int) -> dict[str, object]:
    """What marks a story element as (part of) an answer: its source, and its span of the
    answer's own text."""
    base = material.spans[index][0]
    own = material.text[start:end]
    return {
        "source": "answer",
        "answer": index,
        "sources": [{"text": own, "start": start - base, "end": end - base}],
    }


@dataclass(frozen=True, slots=True)
class Attached:
    """Answers attached to the figure or statement of the notes their question was about.

    `checks`: a figure's start -> the answers about it. `coverage`: a statement's start -> the
    answers giving its figure. `evidence_only`: the answers whose figures are evidence of a
    figure of the notes, not figures of their own. `not_statements`: answers that are no result
    statement of their own: the attached ones, and those to questions that asked for no figure
    (a mentoring story told in Leadership Impact is not a result missing its number).
    `asked_no_figure`: the answers to questions that asked for no figure; what they say is not
    asked about again.
    """

    checks: dict[int, list[AttachedAnswer]]
    coverage: dict[int, list[AttachedAnswer]]
    evidence_only: frozenset[int]
    not_statements: frozenset[int]
    asked_no_figure: frozenset[int]


class AttachedAnswer(NamedTuple):
    """One attached answer: its span of the material, the checks it was asked for, and whether
    it holds a figure."""

    span: tuple[int, int]
    checks: tuple[MetricCheck, ...]
    has_figure: bool


NOTHING_ATTACHED: Final = Attached({}, {}, frozenset(), frozenset(), frozenset())


def attach(material: Material | None, placed: Sequence[PlacedUnit]) -> Attached:
    """Which answers attach to what, among the placed units of `material`.

    An answer about a position the notes no longer hold (the notes changed since the question
    was asked) attaches to nothing and stands as a statement in its section.
    """
    if material is None or not material.answers:
        return NOTHING_ATTACHED
    notes_units = [unit for unit in placed if unit.answer is None]
    figure_starts = {
        start
        for unit in notes_units
        for start in (
            *(figure.start for figure in unit.measured.figures),
            *(change.start for change in unit.measured.changes),
        )
    }
    unit_starts = {unit.start for unit in notes_units}
    with_figures = {
        unit.answer for unit in placed if unit.answer is not None and unit.measured.figures
    }
    checks: dict[int, list[AttachedAnswer]] = {}
    coverage: dict[int, list[AttachedAnswer]] = {}
    evidence_only: set[int] = set()
    not_statements: set[int] = set()
    asked_no_figure: set[int] = set()
    for index, (answer, span) in enumerate(zip(material.answers, material.spans, strict=True)):
        slot = Slot.parse(answer.slot)
        attached = AttachedAnswer(span, slot.checks, index in with_figures)
        if slot.kind != "metric":
            not_statements.add(index)
            asked_no_figure.add(index)
        elif slot.is_metric_checks and slot.at in figure_starts:
            checks.setdefault(slot.at, []).append(attached)
            evidence_only.add(index)
            not_statements.add(index)
        elif slot.is_coverage and slot.at in unit_starts:
            coverage.setdefault(slot.at, []).append(attached)
            not_statements.add(index)
    return Attached(
        checks,
        coverage,
        frozenset(evidence_only),
        frozenset(not_statements),
        frozenset(asked_no_figure),
    )


def answered_slots(material: Material) -> list[AnsweredSlot]:
    """The answers a run read, for its result."""
    return [
        AnsweredSlot(
            slot=answer.slot,
            question=answer.question,
            section=answer.section,
            answer=answer.text,
            start=start,
            end=end,
        )
        for answer, (start, end) in zip(material.answers, material.spans, strict=True)
    ]


def material(notes: str, answers: Sequence[Answer] = ()) -> Material:
    """The notes, then each non-blank answer as its own paragraph."""
    kept = tuple(answer for answer in answers if answer.text)
    parts, spans = [notes], []
    position = len(notes)
    for answer in kept:
        position += len(_PARAGRAPH)
        parts += [_PARAGRAPH, answer.text]
        spans.append((position, position + len(answer.text)))
        position += len(answer.text)
    return Material("".join(parts), len(notes), kept, tuple(spans))


def answers_for(
    pairs: Sequence[Mapping[str, object]], questions: Sequence[Question]
) -> list[Answer]:
    """Answers to `questions` from `{"slot", "answer"}` pairs (the CLI's ANSWERS.json).

    A slot must be one the questions asked, or "section.<name>" for any STAR+ section; anything
    else is refused with the slots that would do.
    """
    asked = {question.slot: question for question in questions}
    answers: list[Answer] = []
    for number, pair in enumerate(pairs, start=1):
        slot, text = pair.get("slot"), pair.get("answer")
        if not isinstance(slot, str) or not isinstance(text, str):
            raise InputError(f'Answer {number} needs a "slot" and an "answer", both strings.')
        question = asked.get(slot)
        section = question.section if question is not None else _named_section(slot)
        if section is None:
            known = ", ".join(sorted(asked)) or "none"
            raise InputError(
                f"Answer {number} is for slot {slot!r}, which no question asked. "
                f"The questions' slots are: {known}; any section.<name> also works."
            )
        answers.append(Answer(slot, text, section, question.question if question else ""))
    return answers


def read_answers_file(data: str) -> list[Mapping[str, object]]:
    """The `{"slot", "answer"}` pairs of an answers file's JSON text."""
    try:
        pairs = json.loads(data)
    except json.JSONDecodeError as exc:
        raise InputError(f"The answers file is not JSON: {exc.msg} (line {exc.lineno}).") from exc
    if not isinstance(pairs, list) or not all(isinstance(p, dict) for p in pairs):
        raise InputError('The answers file must be a JSON list of {"slot", "answer"} objects.')
    return pairs


def _named_section(slot: str) -> Section | None:
    parsed = Slot.parse(slot)
    if parsed.kind != "section":
        return None
    try:
        return Section(parsed.name)
    except ValueError:
        return None

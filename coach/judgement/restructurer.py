"""The offline restructurer: place each sentence of the notes in a STAR+ section.

Each sentence or clause gets a score per section from the rubric's cues, the notes' own headings
and its position; a Viterbi pass then picks the best sequence of sections, charging for going back
(notes mostly run Situation -> Task -> Action -> Result). Every element is a span of the notes,
written as a sentence by the few mechanical edits of `coach/judgement/prose.py` and nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from coach.judgement.analysis import Analysis
from coach.judgement.answers import Material, answer_element
from coach.judgement.cues import Hit, Tokens, tokenize
from coach.judgement.levels import I_WORDS, TEAM_WORDS
from coach.judgement.placement import Measured, OwnedHits, PlacedUnit, hits_inside, measure_all
from coach.judgement.prose import Subject, notes_subject, only_allowed_edits, write_sentence
from coach.judgement.rubrics import CueOwner, RubricSet, ScoringKey
from coach.judgement.rubrics.star import StarPlusRubric, normalise_heading
from coach.judgement.segmenter import (
    Line,
    Unit,
    count_words,
    more_words_than,
    split_lines,
    split_units,
)
from coach.judgement.sequence_model import backtrack
from coach.judgement.unit_features import LineHeadings, unit_features
from coach.models import (
    Excerpt,
    HeaderFacts,
    PsiSection,
    PsiStory,
    Section,
    StarStory,
    StoryElement,
)

_SECTIONS: Final[tuple[Section, ...]] = tuple(Section)
_BARE_HEADING_WORDS: Final = 5


@dataclass(frozen=True, slots=True)
class Restructured:
    """The restructurer's output: the story, and what grading reads of the notes."""

    story: StarStory
    analysis: Analysis


@dataclass(frozen=True, slots=True)
class _Headings:
    by_line: dict[int, tuple[Section | None, str | None]]
    excluded_lines: frozenset[int]
    header: HeaderFacts
    title: Excerpt | None
    lines: LineHeadings  # standalone headings and inline labels apart, for the learned model


def _is_markdown_heading(notes: str, line: Line) -> bool:
    """Whether the line opens with Markdown's heading hashes ("# Title", "## Timeline")."""
    return notes[notes.rfind("\n", 0, line.start) + 1 : line.start].lstrip().startswith("#")


def _read_headings(notes: str, lines: list[Line], rubric: StarPlusRubric) -> _Headings:
    """Which section each line sits under, from the notes' own headings and header facts."""
    by_line: dict[int, tuple[Section | None, str | None]] = {}
    excluded: set[int] = set()
    facts: dict[str, Excerpt] = {}
    title: Excerpt | None = None
    seen_content = False
    current: tuple[Section | None, str | None] = (None, None)
    under: dict[int, Section] = {}
    inline: dict[int, Section] = {}
    inline_text: dict[int, str] = {}
    for line in lines:
        content = notes[line.start : line.end]
        label_key = normalise_heading(line.label) if line.label else None
        bare_key = (
            normalise_heading(content.rstrip("¶:"))
            if line.label is None and not more_words_than(content, _BARE_HEADING_WORDS)
            else None
        )
        if label_key in rubric.header_fact_index and content:
            facts[rubric.header_fact_index[label_key]] = Excerpt(
                text=content, start=line.start, end=line.end
            )
            excluded.add(line.number)
        elif label_key in rubric.heading_index and content:
            # An inline label ("Context: ...") speaks for its own line only.
            assert line.label is not None
            inline[line.number] = rubric.heading_index[label_key]
            by_line[line.number] = (rubric.heading_index[label_key], line.label)
            seen_content = True
            if current[0] is not None:
                under[line.number] = current[0]
            continue
        elif label_key in rubric.heading_index:
            assert line.label is not None
            current = (rubric.heading_index[label_key], line.label)
        elif bare_key in rubric.heading_index and not content.rstrip().endswith("."):
            current = (rubric.heading_index[bare_key], content.rstrip("¶: "))
            excluded.add(line.number)
        elif (
            content.endswith("¶")
            or (line.label is not None and not content)
            or (line.label is None and _is_markdown_heading(notes, line))
        ):
            # A title or sub-heading the rubric does not name: keep the section, drop the line.
            if title is None and not seen_content:
                if content:
                    text, start = content.rstrip("¶ "), line.start
                else:
                    assert line.label is not None
                    text, start = line.label, notes.index(line.label, line.label_start)
                title = Excerpt(text=text, start=start, end=start + len(text))
            excluded.add(line.number)
        elif content:
            seen_content = True
            if label_key:
                inline_text[line.number] = label_key
        by_line[line.number] = current
        if current[0] is not None:
            under[line.number] = current[0]
    return _Headings(
        by_line,
        frozenset(excluded),
        HeaderFacts(**facts),
        title,
        LineHeadings(under, inline, inline_text),
    )


def _emissions(
    units: list[Unit],
    inside: OwnedHits,
    headings: _Headings,
    measured: list[Measured],
    rubric: StarPlusRubric,
) -> list[list[float]]:
    """Score of each unit for each section: cues, figures, headings and position."""
    seq = rubric.sequence
    column = {section: i for i, section in enumerate(_SECTIONS)}
    table = [[0.0] * len(_SECTIONS) for _ in units]
    counted: set[tuple[int, int]] = set()
    for row, hit in inside.get(CueOwner.STAR, ()):
        # Each cue group adds its weight once per unit, however many of its phrases match.
        if (row, hit.group) not in counted:
            counted.add((row, hit.group))
            table[row][column[hit.key.name]] += hit.weight
    first = units[0].start
    width = max(1, units[-1].end - first)
    result = column[Section.RESULT]
    priors = [
        (i, p.mean, p.spread, seq.position_weight * p.weight)
        for i, p in enumerate(rubric.sections[s].position for s in _SECTIONS)
    ]
    for row, (unit, found) in enumerate(zip(units, measured, strict=True)):
        at = (unit.start - first) / width
        scores = table[row]
        for i, mean, spread, weight in priors:
            distance = (at - mean) / spread
            scores[i] += weight * math.exp(-0.5 * distance * distance)
        scores[result] += seq.figure_result_weight * bool(found.figures)
        scores[result] += seq.change_result_weight * bool(found.changes)
        heading_section = headings.by_line.get(unit.line, (None, None))[0]
        if heading_section is not None:
            scores[column[heading_section]] += seq.heading_bonus
    return table


def _best_path(emissions: list[list[float]], rubric: StarPlusRubric) -> list[int]:
    """Viterbi: the section sequence with the highest total score.

    Moving forward costs `skip_penalty` per section skipped and moving back a flat
    `backward_penalty`, so each step needs only the best earlier and the best later section, not
    every pair: O(sections) a unit, not O(sections^2). Ties go to the earliest section.
    """
    count = len(_SECTIONS)
    skip, backward = rubric.sequence.skip_penalty, rubric.sequence.backward_penalty
    scores = list(emissions[0])
    back: list[list[int]] = []
    for row in emissions[1:]:
        # later[t]: the best section after t (earliest on ties), for a move back to t.
        later: list[tuple[float, int]] = [(-math.inf, -1)] * count
        best = (-math.inf, -1)
        for source in range(count - 1, 0, -1):
            if scores[source] >= best[0]:
                best = (scores[source], source)
            later[source - 1] = best
        step_back = [0] * count
        new_scores = [0.0] * count
        # earlier: the best section before t, charged for the sections skipped to reach t.
        earlier_value, earlier_source = -math.inf, -1
        for target in range(count):
            value, source = earlier_value, earlier_source
            if scores[target] > value:
                value, source = scores[target], target
            later_value, later_source = later[target]
            if later_value - backward > value:
                value, source = later_value - backward, later_source
            step_back[target] = source
            new_scores[target] = value + row[target]
            # One more section skipped for every earlier source; t itself becomes one.
            earlier_value -= skip
            if scores[target] > earlier_value:
                earlier_value, earlier_source = scores[target], target
        back.append(step_back)
        scores = new_scores
    return backtrack(scores, back)


@dataclass(frozen=True, slots=True)
class SegmentedNotes:
    """What placement reads of the notes: units, words, cue hits, figures and headings."""

    lines: list[Line]
    headings: _Headings
    units: list[Unit]
    tokens: Tokens
    hits: list[Hit[ScoringKey]]
    inside: OwnedHits
    measured: list[Measured]
    answer_of: list[int | None]  # per unit: the answer it is part of, if any
    pinned: list[Section]  # the section each answer's question named, per answer unit (last)
    notes_end: int  # where the notes end and the answers begin

    @property
    def _of_notes(self) -> int:
        """How many units come from the notes: they come first, the answers' units after."""
        return len(self.units) - len(self.pinned)

    def _notes_inside(self) -> OwnedHits:
        # The notes are placed as if no answer followed: answering never moves them.
        count = self._of_notes
        if count == len(self.units):
            return self.inside
        return {key: [(r, h) for r, h in hits if r < count] for key, hits in self.inside.items()}

    def handset_sections(self, star: StarPlusRubric) -> list[Section]:
        """The sections the hand-set weights and their Viterbi pass choose (answers pinned)."""
        count = self._of_notes
        if not count:
            return list(self.pinned)
        emissions = _emissions(
            self.units[:count], self._notes_inside(), self.headings, self.measured[:count], star
        )
        return [_SECTIONS[state] for state in _best_path(emissions, star)] + self.pinned

    def labelled(self) -> dict[int, Section]:
        """Units on a line that opens with a section's label ("Result: ..."): the user has
        said where that line belongs, so it goes there."""
        inline = self.headings.lines.inline
        return {
            row: inline[unit.line] for row, unit in enumerate(self.units) if unit.line in inline
        }

    def features(self, notes: str, star: StarPlusRubric) -> list[list[str]]:
        """The learned model's features of each unit of the notes (not the answers, which are
        pinned), the hand-set placement's choice among them."""
        count = self._of_notes
        rows = unit_features(
            notes,
            [line for line in self.lines if line.start < self.notes_end],
            self.units[:count],
            self.tokens,
            self._notes_inside(),
            self.measured[:count],
            self.headings.lines,
        )
        for row, section in zip(rows, self.handset_sections(star), strict=False):
            row.append(f"handset={section}")
        return rows


def analyse(
    notes: str,
    rubrics: RubricSet,
    lines: list[Line] | None = None,
    answers: Material | None = None,
) -> SegmentedNotes:
    """Split the notes into units and find what every placement reads of them.

    With `answers`, `notes` is their material: the answers' lines are units pinned to their
    sections, and no heading, label or header fact is read from them.
    """
    star = rubrics.star_plus
    if lines is None:
        lines = split_lines(notes)
    notes_end = len(notes) if answers is None else answers.notes_end
    headings = _read_headings(notes, [line for line in lines if line.start < notes_end], star)
    boundary = star.clause_boundaries
    units = [
        u
        for u in split_units(
            notes, lines, boundary.regex, boundary.min_words, boundary.splittable(notes)
        )
        if u.line not in headings.excluded_lines
    ]
    tokens = tokenize(notes, (unit.start for unit in units))
    hits = rubrics.scoring_cues.find(tokens)
    spans = [(unit.start, unit.end) for unit in units]
    inside = hits_inside(hits, spans)
    measured = measure_all(notes, spans, rubrics.quantification, tokens, rubrics.figure_model)
    answer_of = [None if answers is None else answers.answer_at(u.start) for u in units]
    pinned = [
        answers.answers[index].section
        for index in answer_of
        if answers is not None and index is not None
    ]
    return SegmentedNotes(
        lines, headings, units, tokens, hits, inside, measured, answer_of, pinned, notes_end
    )


def restructure(
    notes: str,
    rubrics: RubricSet,
    lines: list[Line] | None = None,
    answers: Material | None = None,
) -> Restructured:
    """Place every sentence of the notes in a STAR+ section, with its span and its figures.

    `lines` are `split_lines(notes)` if the caller already has them. The learned model places
    the units when the rubrics carry one, the hand-set weights otherwise. The cue hits of every
    scoring rubric come back too, found in the same walk, for the grader.
    """
    star = rubrics.star_plus
    found = analyse(notes, rubrics, lines, answers)
    units, headings, measured = found.units, found.headings, found.measured
    confidences: list[float | None]
    if rubrics.placement is not None:
        sections, learned = rubrics.placement.label(found.features(notes, star), found.labelled())
        sections += found.pinned
        confidences = [*learned, *[None] * len(found.pinned)]
    else:
        sections = found.handset_sections(star)
        confidences = [None] * len(units)
    placed = [
        PlacedUnit(
            start=unit.start,
            end=unit.end,
            sentence=unit.sentence,
            section=section,
            heading=headings.by_line.get(unit.line, (None, None))[1],
            measured=figures,
            confidence=1.0 if answer is not None else confidence,
            answer=answer,
        )
        for unit, section, figures, confidence, answer in zip(
            units, sections, measured, confidences, found.answer_of, strict=True
        )
    ]
    return Restructured(
        story=_story(notes, placed, headings, star, found.tokens, answers),
        analysis=Analysis(notes, placed, found.tokens, found.hits, found.inside, answers),
    )


def _story(
    notes: str,
    placed: list[PlacedUnit],
    headings: _Headings,
    star: StarPlusRubric,
    tokens: Tokens,
    answers: Material | None = None,
) -> StarStory:
    # Elements and placeholders as plain data, validated in one call with the story: pydantic
    # builds the thirty-odd models in Rust, a third cheaper than one constructor call each.
    sections: dict[Section, list[dict[str, object]]] = {section: [] for section in _SECTIONS}
    subject = notes_subject(notes if answers is None else notes[: answers.notes_end])
    for group in _merge_clauses(placed):
        first, last = group[0], group[-1]
        known = [unit.confidence for unit in group if unit.confidence is not None]
        words = notes[first.start : last.end]
        # Said as a sentence: capitalised, punctuated, "I" for "i", a subject for a bare verb;
        # nothing else changes (coach/judgement/prose.py), and `sources` keeps the notes' words.
        written = write_sentence(words, _subject(tokens, first.start, last.end, subject))
        if not written or (written != words and not only_allowed_edits(words, written)):
            written = words  # the writer's own check failed: the notes' words as they stand
        element: dict[str, object] = {
            "text": written,
            "start": first.start,
            "end": last.end,
            "heading": first.heading,
            "confidence": round(min(known), 3) if known else None,
            "verbatim": written == words,
            "sources": [{"text": words, "start": first.start, "end": last.end}],
        }
        if answers is not None and first.answer is not None:
            element |= answer_element(answers, first.answer, first.start, last.end)
        sections[first.section].append(element)
    placeholders = [
        {
            "section": section,
            "slot": f"section.{section}",
            "text": star.sections[section].placeholder,
        }
        for section in _SECTIONS
        if not sections[section]
    ]
    return StarStory.model_validate(
        {
            "title": headings.title,
            "header": headings.header,
            "sections": sections,
            "placeholders": placeholders,
        }
    )


def _subject(tokens: Tokens, start: int, end: int, story: Subject) -> Subject:
    """The subject a bare verb gets: "we" where the fragment credits the team and never says
    "I" (the guard's rule: "I" only where the notes say it), else the story's voice."""
    words = {tokens.words[i] for i in tokens.between(start, end)}
    return "we" if words & TEAM_WORDS and not words & I_WORDS else story


def _merge_clauses(placed: list[PlacedUnit]) -> list[list[PlacedUnit]]:
    """Clauses of one sentence that landed in the same section read better as one element."""
    groups: list[list[PlacedUnit]] = []
    for item in placed:
        previous = groups[-1][-1] if groups else None
        if (
            previous is not None
            and previous.sentence == item.sentence
            and previous.section is item.section
        ):
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def to_psi(story: StarStory, star: StarPlusRubric) -> PsiStory:
    """Fold a STAR+ story into Problem-Solution-Impact and measure its 25/50/25 balance."""
    sections: dict[PsiSection, list[StoryElement]] = {}
    for psi_section, star_sections in star.psi.mapping.items():
        elements = [e for s in star_sections for e in story.elements(s)]
        sections[psi_section] = sorted(elements, key=lambda e: e.start)
    words = {s: sum(count_words(e.text) for e in elements) for s, elements in sections.items()}
    total = sum(words.values()) or 1
    return PsiStory(
        sections=sections,
        shares={s: round(words[s] / total, 3) for s in PsiSection},
        target_shares=star.psi.target_shares,
    )

"""A model's story held to the notes: every sentence checked against the units it cites, what
survives placed and told as a STAR+ story, and how much of the notes it kept."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.judgement.offline import (
    Prepared,
)
from coach.judgement.placement import PlacedUnit
from coach.judgement.rubrics import RubricSet
from coach.llm.answers import DraftSentence, DraftStory
from coach.llm.citations import cited_spans
from coach.llm.guard import SourceFacts, Violation, check_text
from coach.llm.redaction import Redacted
from coach.models import (
    Excerpt,
    Placeholder,
    Section,
    StarStory,
    StoryElement,
)

if TYPE_CHECKING:  # the model path's libraries load only when a model is used
    pass


@dataclass
class Review:
    """A model's story after the guard: kept sentences with their spans, and what was wrong."""

    kept: list[tuple[Section, DraftSentence, list[tuple[int, int]]]] = field(default_factory=list)
    violations: list[tuple[str, Violation]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations


def review_story(
    draft: DraftStory, notes: str, units: Sequence[PlacedUnit], facts: SourceFacts
) -> Review:
    """Check each sentence: the units it cites exist; its figures, names and scope are found in
    the notes, and its scope, role and figures' meaning in the units it cites.

    `draft` is already restored: its names are the user's again, as in `notes`.
    """
    review = Review()
    for section, sentence in draft.sentences():
        spans, unknown = cited_spans(sentence.units, units)
        problems = [
            Violation("unit", f"[{n}]", "your notes have no unit with this number") for n in unknown
        ]
        quoted = " ".join(notes[start:end] for start, end in spans)
        problems += check_text(sentence.text, facts, quoted if spans else None)
        if not spans:
            problems.append(
                Violation("quote", sentence.text, "this sentence does not rest on your notes")
            )
        if problems:
            review.violations += [(sentence.text, problem) for problem in problems]
        else:
            review.kept.append((section, sentence, sorted(spans)))
    return review


def restored(draft: DraftStory, redacted: Redacted) -> DraftStory:
    """The model's story with our placeholders turned back into the user's names."""
    data = draft.model_dump(mode="json")
    for section in Section:
        for sentence in data[section.value]:
            sentence["text"] = redacted.restore(sentence["text"])
    for gap in data["gaps"]:
        gap["question"] = redacted.restore(gap["question"])
    return DraftStory.model_validate(data)


def notes_units_kept(prepared: Prepared, review: Review) -> tuple[int, int]:
    """How many of the notes' units a kept sentence of the model's story quotes, of how many."""
    units = [unit for unit in prepared.restructured.analysis.units if unit.answer is None]
    quoted = [span for _, _, spans in review.kept for span in spans]
    kept = sum(1 for u in units if any(s < u.end and u.start < e for s, e in quoted))
    return kept, len(units)


def model_placed(units: Sequence[PlacedUnit], review: Review) -> list[PlacedUnit]:
    """The offline placement, with each sentence the model quoted moved to the model's section;
    answers stay where their questions put them."""
    placed: list[PlacedUnit] = []
    for unit in units:
        section = unit.section
        for model_section, _, spans in review.kept if unit.answer is None else ():
            if any(start < unit.end and unit.start < end for start, end in spans):
                section = model_section
                break
        placed.append(unit._replace(section=section))
    return placed


def star_story(
    notes: str, review: Review, draft: DraftStory, rubrics: RubricSet, prepared: Prepared
) -> StarStory:
    """The kept sentences as the story shown: each in the model's section with its sources,
    answers where their questions put them, placeholders (the model's gap questions first) for
    empty sections, and the notes' own title and header facts."""
    # The answers are the user's own words in the sections their questions named, as the
    # offline story has them; a model sentence resting on answers alone would re-place them.
    answered = prepared.material.spans
    sections: dict[Section, list[StoryElement]] = {
        section: [e for e in prepared.restructured.story.elements(section) if e.source == "answer"]
        for section in Section
    }
    for section, sentence, spans in review.kept:
        if all(any(a <= s and e <= b for a, b in answered) for s, e in spans):
            continue
        sources = [Excerpt.of(notes, start, end) for start, end in spans]
        sections[section].insert(
            len([e for e in sections[section] if e.source == "notes"]),
            StoryElement(
                text=sentence.text,
                start=spans[0][0],
                end=spans[0][1],
                verbatim=False,
                sources=sources,
            ),
        )
    gaps = {gap.section: gap.question for gap in draft.gaps}
    placeholders = [
        Placeholder(
            section=section,
            slot=f"section.{section.value}",
            text=f"[[{gaps[section]}]]"
            if section in gaps
            else rubrics.star_plus.sections[section].placeholder,
        )
        for section in Section
        if not sections[section]
    ]
    # The title and header facts are read from the notes, the same on both engines.
    offline = prepared.restructured.story
    return StarStory(
        title=offline.title, header=offline.header, sections=sections, placeholders=placeholders
    )

"""Measure the coach against labelled stories: section placement and, where labelled, level."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from coach.errors import InputError
from coach.models import Level, Section
from coach.placement import PlacedUnit
from coach.rubrics import RubricSet, normalise_heading
from coach.segmenter import split_sentences

_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_SHUFFLE_SEED = 20261124  # fixed so the shuffled figure is reproducible


class NotesStyle(StrEnum):
    """How a labelled story is turned into unlabelled notes for the restructurer."""

    BULLETS = "bullets"  # the story's own lines, section headings removed, in order
    PROSE = "prose"  # one run-on paragraph, bullets and headings removed
    SHUFFLED = "shuffled"  # the story's lines in a fixed random order: no position cue


@dataclass(frozen=True, slots=True)
class LabelledStory:
    """One record of an evaluation file."""

    id: str
    sections: dict[Section, str]
    level: Level | None


@dataclass(frozen=True, slots=True)
class GoldSentence:
    """A sentence of the built notes and the section its story labelled it with."""

    start: int
    end: int
    section: Section


@dataclass(slots=True)
class SectionTally:
    """Correct and total sentences, overall and per gold section, with confusions."""

    correct: int = 0
    total: int = 0
    per_section: dict[Section, list[int]] = field(default_factory=dict)
    confusions: Counter[tuple[Section, Section | None]] = field(default_factory=Counter)

    def add(self, gold: Section, predicted: Section | None) -> None:
        """Count one sentence."""
        hit = gold is predicted
        self.correct += hit
        self.total += 1
        cell = self.per_section.setdefault(gold, [0, 0])
        cell[0] += hit
        cell[1] += 1
        if not hit:
            self.confusions[(gold, predicted)] += 1

    @property
    def accuracy(self) -> float:
        """Share of sentences placed in their labelled section."""
        return self.correct / self.total if self.total else 0.0


def _section_for_label(label: str, rubrics: RubricSet) -> Section | None:
    key = normalise_heading(label)
    if key.replace(" ", "_") in Section.__members__.values():
        return Section(key.replace(" ", "_"))
    return rubrics.star_plus.heading_index.get(key)


def read_labelled(path: Path, rubrics: RubricSet) -> list[LabelledStory]:
    """Read a JSONL file of stories with labelled `sections` (and optionally `level`)."""
    try:
        raw_lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    stories: list[LabelledStory] = []
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            sections_raw = record["sections"]
            if not isinstance(sections_raw, dict):
                raise TypeError("sections must be an object")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number} is not a labelled story: {exc}.") from exc
        sections: dict[Section, str] = {}
        for label, text in sections_raw.items():
            section = _section_for_label(str(label), rubrics)
            if section is not None and isinstance(text, str) and text.strip():
                sections[section] = (sections.get(section, "") + "\n" + text).strip()
        level_raw = record.get("level")
        level = Level(level_raw) if level_raw in Level.__members__ else None
        stories.append(LabelledStory(str(record.get("id", number)), sections, level))
    return stories


def build_notes(story: LabelledStory, style: NotesStyle) -> tuple[str, list[GoldSentence]]:
    """Unlabelled notes from a labelled story, and the gold section of each sentence."""
    items: list[tuple[Section, str]] = []
    for section, text in story.sections.items():
        for line in text.splitlines():
            content = _BULLET.sub("", line).strip()
            if content:
                items.append((section, content))
    if style is NotesStyle.SHUFFLED:
        random.Random(f"{_SHUFFLE_SEED}:{story.id}").shuffle(items)
    parts: list[str] = []
    spans: list[tuple[int, int, Section]] = []
    cursor = 0
    for section, content in items:
        if style is NotesStyle.PROSE:
            content = content if content[-1] in ".!?" else content + "."
            piece, sep = content, " "
        else:
            piece, sep = "- " + content, "\n"
        offset = cursor + (2 if style is not NotesStyle.PROSE else 0)
        spans.append((offset, offset + len(content), section))
        parts.append(piece)
        cursor += len(piece) + len(sep)
    notes = (" " if style is NotesStyle.PROSE else "\n").join(parts)
    gold = [
        GoldSentence(s, e, section)
        for start, end, section in spans
        for s, e in split_sentences(notes, start, end)
    ]
    return notes, gold


def predicted_section(gold: GoldSentence, placed: list[PlacedUnit]) -> Section | None:
    """The section holding most of a gold sentence's characters."""
    overlap: Counter[Section] = Counter()
    for item in placed:
        shared = min(gold.end, item.end) - max(gold.start, item.start)
        if shared > 0:
            overlap[item.section] += shared
    return overlap.most_common(1)[0][0] if overlap else None


def score_sections(
    stories: Iterable[LabelledStory],
    style: NotesStyle,
    place: Callable[[str], list[PlacedUnit]],
) -> SectionTally:
    """Place every story's sentences and count how many land in their labelled section."""
    tally = SectionTally()
    for story in stories:
        notes, gold = build_notes(story, style)
        placed = place(notes)
        for sentence in gold:
            tally.add(sentence.section, predicted_section(sentence, placed))
    return tally

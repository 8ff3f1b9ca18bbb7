"""The labelled corpus: stories and notes with every unit's section, the level and the figures.

One JSON object a line (`corpus/**/*.jsonl`); the format is documented in `corpus/README.md`.
Units and figures are written as exact pieces of the notes, in order; loading turns them into
character spans and refuses a record whose pieces cannot be found, so a label can never drift
from the text it labels.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from coach.errors import InputError
from coach.models import Level, Section

HEADING: Literal["heading"] = "heading"  # a line that names a section and says nothing itself
_URL: Final = re.compile(r"https?://\S+\s*")
SHUFFLE_SEED: Final = 20261204  # fixed, so shuffled arrangements are the same every run


class Dimension(StrEnum):
    """A level dimension, as `rubrics/level.*.yaml` names it."""

    SCOPE = "scope"
    AMBIGUITY = "ambiguity"
    INFLUENCE = "influence"
    TIME_HORIZON = "time_horizon"
    JUDGMENT = "judgment"
    RESULTS = "results"
    PEOPLE = "people"


class CorpusRecord(BaseModel):
    """One labelled story or set of notes, as written in the corpus file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    source: str = Field(min_length=1)  # who the text comes from: the cross-validation group
    style: str = Field(min_length=1)
    license: str = Field(min_length=1)
    attribution: str = Field(min_length=1)
    labeller: str = Field(min_length=1)
    level: Level
    dimensions: dict[Dimension, Level]
    notes: str = Field(min_length=1)
    units: list[tuple[Section | Literal["heading"], str]] = Field(min_length=1)
    figures: list[str] = []


@dataclass(frozen=True, slots=True)
class GoldUnit:
    """A labelled unit of the notes: its span and its section (or a bare heading)."""

    start: int
    end: int
    label: Section | Literal["heading"]


LabelT = TypeVar("LabelT")


def most_overlapped(
    start: int, end: int, spans: Iterable[tuple[int, int, LabelT]]
) -> LabelT | None:
    """The label whose spans share most characters with [start, end), or None if none does."""
    shares: Counter[LabelT] = Counter()
    for span_start, span_end, label in spans:
        shared = min(end, span_end) - max(start, span_start)
        if shared > 0:
            shares[label] += shared
    return shares.most_common(1)[0][0] if shares else None


@dataclass(frozen=True, slots=True)
class CorpusStory:
    """A corpus record with its units and figures located in the notes."""

    record: CorpusRecord
    units: tuple[GoldUnit, ...]
    figures: tuple[tuple[int, int], ...]

    @property
    def id(self) -> str:
        """The record's id."""
        return self.record.id

    @property
    def notes(self) -> str:
        """The notes as a user would paste them."""
        return self.record.notes

    @property
    def group(self) -> str:
        """Cross-validation group: the source. A writer's styles all fall in one fold, so a
        fold is writing, in its styles and by its hand, that the model never saw."""
        return self.record.source


def _locate(
    notes: str, pieces: Iterable[str], what: str, record_id: str, *, whole_words: bool = False
) -> list[tuple[int, int]]:
    """Find each piece in order, each after the end of the one before; with `whole_words`, the
    first occurrence not glued to a letter or digit on either side, where there is one."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for piece in pieces:
        at = _find_whole(notes, piece, cursor) if whole_words else -1
        if at < 0:
            at = notes.find(piece, cursor)
        if not piece.strip() or at < 0:
            raise InputError(
                f"{record_id}: {what} {piece[:60]!r} is not in the notes after character {cursor}."
            )
        spans.append((at, at + len(piece)))
        cursor = at + len(piece)  # pieces do not overlap: a repeated one is the next occurrence
    return spans


def _find_whole(notes: str, piece: str, cursor: int) -> int:
    """Where `piece` first stands whole after `cursor` ("two", not the "two" in "network";
    "1", not the "1" in "2019"), or -1."""
    at = notes.find(piece, cursor)
    while at >= 0:
        end = at + len(piece)
        glued_before = at > 0 and piece[:1].isalnum() and notes[at - 1].isalnum()
        glued_after = end < len(notes) and piece[-1:].isalnum() and notes[end].isalnum()
        if not (glued_before or glued_after):
            return at
        at = notes.find(piece, at + 1)
    return -1


def locate(record: CorpusRecord) -> CorpusStory:
    """Turn a record's unit and figure pieces into spans, in order and never overlapping."""
    unit_spans = _locate(record.notes, (text for _, text in record.units), "unit", record.id)
    missing = set(Dimension) - set(record.dimensions)
    if missing:
        raise InputError(f"{record.id}: no level for {', '.join(sorted(missing))}.")
    units = tuple(
        GoldUnit(start, end, label)
        for (start, end), (label, _) in zip(unit_spans, record.units, strict=True)
    )
    # A figure is a whole word or more: "1" in "from 7 in 2019 to 1" is the last one.
    figures = tuple(_locate(record.notes, record.figures, "figure", record.id, whole_words=True))
    return CorpusStory(record, units, figures)


@dataclass(frozen=True, slots=True)
class Arrangement:
    """One way of showing a story to the placer: its notes and its gold units in them."""

    notes: str
    gold: tuple[GoldUnit, ...]


def as_written(story: CorpusStory) -> Arrangement:
    """The notes as the corpus holds them."""
    return Arrangement(story.notes, tuple(u for u in story.units if u.label != HEADING))


def shuffled(story: CorpusStory) -> Arrangement:
    """The story's units, one a line, in a fixed random order: no position or heading cue."""
    pieces = [
        (story.notes[u.start : u.end].strip(), u.label) for u in story.units if u.label != HEADING
    ]
    random.Random(f"{SHUFFLE_SEED}:{story.id}").shuffle(pieces)
    lines: list[str] = []
    gold: list[GoldUnit] = []
    cursor = 0
    for text, label in pieces:
        gold.append(GoldUnit(cursor, cursor + len(text), label))
        lines.append(text)
        cursor += len(text) + 1
    return Arrangement("\n".join(lines), tuple(gold))


def read_corpus_file(path: Path) -> Iterator[CorpusStory]:
    """Every story of one corpus file, located; any bad line is an InputError naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = CorpusRecord.model_validate(json.loads(raw))
        except (json.JSONDecodeError, ValidationError) as exc:
            first = str(exc).splitlines()[:3]
            raise InputError(f"{path}:{number} is not a corpus record: {' '.join(first)}") from exc
        try:
            yield locate(record)
        except InputError as exc:
            raise InputError(f"{path}:{number}: {exc.message}") from exc


def read_corpus(paths: Iterable[Path]) -> list[CorpusStory]:
    """Every story of the given files and of the `*.jsonl` files under the given folders."""
    stories: list[CorpusStory] = []
    for path in paths:
        files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            stories.extend(read_corpus_file(file))
    seen: set[str] = set()
    for story in stories:
        if story.id in seen:
            raise InputError(f"The corpus has two records with id {story.id!r}.")
        seen.add(story.id)
    return stories


class AdversarialRecord(BaseModel):
    """Text that does, or only seems to, instruct the coach: what injection flags are tested on."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    text: str = Field(min_length=1)
    injection: bool
    kind: str = Field(min_length=1)
    # The words of `text` that carry the instruction, each an exact piece of it (attempts only).
    pieces: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _pieces_in_text(self) -> AdversarialRecord:
        if self.pieces and not self.injection:
            raise ValueError("an ordinary text has no injected pieces")
        missing = [piece for piece in self.pieces if not piece or piece not in self.text]
        if missing:
            raise ValueError(f"pieces not in the text: {missing}")
        return self


def read_adversarial_sets(directory: Path) -> dict[str, list[AdversarialRecord]]:
    """Every injection set of a corpus directory (`adversarial*.jsonl`) by name."""
    return {
        path.stem: read_adversarial(path) for path in sorted(directory.glob("adversarial*.jsonl"))
    }


def read_adversarial(path: Path) -> list[AdversarialRecord]:
    """The adversarial set: injection attempts and ordinary prose that looks like one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    records: list[AdversarialRecord] = []
    for number, raw in enumerate(lines, start=1):
        if raw.strip():
            try:
                records.append(AdversarialRecord.model_validate_json(raw))
            except ValidationError as exc:
                first = " ".join(str(exc).splitlines()[:3])
                raise InputError(f"{path}:{number} is not an adversarial record: {first}") from exc
    return records


def grouped_indices(groups: Sequence[str], folds: int) -> list[list[int]]:
    """Indices of `groups` dealt into folds; a group never spans two folds.

    Groups are dealt largest first to the fold with fewest members, names breaking ties, so the
    folds are balanced and the same groups always give the same folds.
    """
    members_of: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        members_of.setdefault(group, []).append(index)
    count = max(1, min(folds, len(members_of)))
    dealt: list[list[int]] = [[] for _ in range(count)]
    for _, members in sorted(members_of.items(), key=lambda item: (-len(item[1]), item[0])):
        smallest = min(range(count), key=lambda i: (len(dealt[i]), i))
        dealt[smallest].extend(members)
    return [sorted(fold) for fold in dealt if fold]


def datasheet(stories: Iterable[CorpusStory]) -> str:
    """The datasheet table: per source, how many stories, which styles and levels, the licence
    and who wrote and labelled them (`corpus/README.md` holds it; a test keeps it current)."""
    by_source: dict[str, list[CorpusStory]] = {}
    for story in stories:
        by_source.setdefault(story.record.source, []).append(story)
    rows = [
        "| source | stories | units | styles | L5 / L6 / L7 | licence | written by | labelled by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for source, members in sorted(by_source.items()):
        first = members[0].record
        levels = " / ".join(str(sum(m.record.level is lv for m in members)) for lv in Level)
        styles = ", ".join(sorted({m.record.style for m in members}))
        writers = sorted({_URL.sub("", m.record.attribution).strip(" ()") for m in members})
        written = writers[0] if len(writers) == 1 else f"{len(writers)} authors (see records)"
        labellers = ", ".join(sorted({m.record.labeller for m in members}))
        units = sum(len(m.units) for m in members)
        rows.append(
            f"| {source} | {len(members)} | {units} | {styles} | {levels} | "
            f"{first.license.split(' (')[0]} | {written} | {labellers} |"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    """Check corpus files and print what they hold, or with --datasheet the datasheet's table:
    `python -m coach.learning.corpus [--datasheet] PATH...`."""
    show_datasheet = "--datasheet" in argv
    try:
        stories = read_corpus(Path(arg) for arg in argv if arg != "--datasheet")
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    if show_datasheet:
        print(datasheet(stories))
        return 0
    units = sum(len(s.units) for s in stories)
    levels = {str(level): sum(s.record.level is level for s in stories) for level in Level}
    styles = sorted({s.record.style for s in stories})
    print(f"{len(stories)} stories, {units} units, levels {levels}, styles {styles}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

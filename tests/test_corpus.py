"""The corpus format: pieces become spans, bad records name themselves, folds keep groups whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coach.config import PROJECT_ROOT
from coach.errors import InputError
from coach.learning.corpus import Dimension, datasheet, read_adversarial_sets, read_corpus
from coach.learning.cross_validation import as_written, grouped_folds, shuffled
from coach.models import Section

CORPUS = PROJECT_ROOT / "corpus"
LEVELS = {dimension.value: "L6" for dimension in Dimension}


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "t-1",
        "source": "team:test",
        "style": "terse",
        "license": "CC0-1.0",
        "attribution": "test",
        "labeller": "test",
        "level": "L6",
        "dimensions": LEVELS,
        "notes": "Context\nexport took 9 hours\n- split it into shards, which cut it to 40 min",
        "units": [
            ["heading", "Context"],
            ["situation", "export took 9 hours"],
            ["action", "split it into shards,"],
            ["result", "which cut it to 40 min"],
        ],
        "figures": ["9 hours", "40 min"],
    }
    record.update(changes)
    return record


def _write(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "stories.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_pieces_become_spans_of_the_notes(tmp_path: Path) -> None:
    (story,) = read_corpus([_write(tmp_path, _record())])
    notes = story.notes
    assert [notes[u.start : u.end] for u in story.units][1:] == [
        "export took 9 hours",
        "split it into shards,",
        "which cut it to 40 min",
    ]
    assert [notes[s:e] for s, e in story.figures] == ["9 hours", "40 min"]
    assert story.group == "team:test"  # folds keep a writer's styles together


@pytest.mark.parametrize(
    ("notes", "figures", "expected"),
    [
        ("outages from 7 in 2019 to 1 in 2022", ["7", "1"], [(13, 14), (26, 27)]),
        ("the partner network, all two of them", ["two"], [(25, 28)]),
        ("a 2x gain", ["2x"], [(2, 4)]),  # a piece that stands whole is found where it is
        ("in 2019", ["1"], [(5, 6)]),  # no whole occurrence: the first one, as before
    ],
)
def test_a_figure_is_found_where_it_stands_as_a_whole_word(
    tmp_path: Path, notes: str, figures: list[str], expected: list[tuple[int, int]]
) -> None:
    record = _record(notes=notes, units=[["result", notes]], figures=figures)
    (story,) = read_corpus([_write(tmp_path, record)])
    assert list(story.figures) == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"units": [["action", "not in the notes"]]}, "unit 'not in the notes'"),
        ({"figures": ["12 weeks"]}, "figure '12 weeks'"),
        ({"dimensions": {"scope": "L6"}}, "no level for"),
        ({"units": [["action", "export took 9 hours"], ["result", "took 9"]]}, "after character"),
        ({"figures": ["9 hours", "9 hours"]}, "figure '9 hours'"),  # a repeat is the next one
        ({"level": "L9"}, "not a corpus record"),
        ({"surprise": 1}, "not a corpus record"),
    ],
)
def test_a_bad_record_is_refused_with_its_line(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, _record(), _record(id="t-2", **changes))
    with pytest.raises(InputError, match=message) as caught:
        read_corpus([path])
    assert "stories.jsonl:2" in caught.value.message


def test_ids_are_unique_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, _record())
    second = tmp_path / "more.jsonl"
    second.write_text(json.dumps(_record()), encoding="utf-8")
    with pytest.raises(InputError, match="two records with id"):
        read_corpus([first, second])


def test_shuffled_arrangement_keeps_every_unit_and_its_label(tmp_path: Path) -> None:
    (story,) = read_corpus([_write(tmp_path, _record())])
    arranged = shuffled(story)
    texts = sorted(arranged.notes[u.start : u.end] for u in arranged.gold)
    assert texts == sorted(story.notes[u.start : u.end].strip() for u in as_written(story).gold)
    assert {u.label for u in arranged.gold} == {Section.SITUATION, Section.ACTION, Section.RESULT}
    assert shuffled(story) == arranged  # seeded: the same every time


def test_folds_never_split_a_group(tmp_path: Path) -> None:
    records = [
        _record(id=f"t-{i}", source=f"team:{i % 3}", style=("terse", "prose")[i % 2])
        for i in range(20)
    ]
    stories = read_corpus([_write(tmp_path, *records)])
    folds = grouped_folds(stories, 4)
    assert sorted(i for fold in folds for i in fold) == list(range(20))
    for fold in folds:
        others = {stories[i].group for f in folds if f is not fold for i in f}
        assert not {stories[i].group for i in fold} & others


def test_the_shipped_corpus_loads_and_is_big_and_varied() -> None:
    stories = read_corpus([CORPUS / "stories"])
    assert len(stories) >= 250
    assert len({s.record.style for s in stories}) >= 12
    assert {s.record.level.value for s in stories} == {"L5", "L6", "L7"}
    sets = read_adversarial_sets(CORPUS)
    assert len(sets) == 5
    for records in sets.values():
        assert any(r.injection for r in records) and not all(r.injection for r in records)
        # every attempt says which of its words carry the instruction: what the reader learns
        assert all(r.pieces for r in records if r.injection)


def test_the_datasheet_describes_the_corpus_as_it_is() -> None:
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- datasheet -->\n")[1].split("\n<!-- /datasheet -->")[0]
    assert shown == datasheet(read_corpus([CORPUS / "stories"]))

"""The notes as numbered units for the model, and its citations read back as spans."""

from __future__ import annotations

from coach.judgement.offline import prepare_notes
from coach.judgement.rubrics import RubricSet
from coach.llm.citations import cited_spans, numbered_notes

NOTES = (
    "Situation: our export took 2+ hours every night.\n\n"
    "- i profiled it, found N+1 queries\n"
    "- rewrote the batch loop\n"
)


def test_each_unit_is_numbered_and_labels_stay_unnumbered(rubrics: RubricSet) -> None:
    units = prepare_notes(NOTES, rubrics).restructured.analysis.units
    listing = numbered_notes(NOTES, units)
    assert listing.splitlines()[0] == "Situation: [1] our export took 2+ hours every night."
    for number, unit in enumerate(units, start=1):
        assert f"[{number}] {NOTES[unit.start : unit.end]}" in listing
    assert f"[{len(units) + 1}]" not in listing


def test_citations_read_back_as_exact_spans_and_unknown_numbers_are_named(
    rubrics: RubricSet,
) -> None:
    units = prepare_notes(NOTES, rubrics).restructured.analysis.units
    spans, unknown = cited_spans([len(units), 1, 1, 0, len(units) + 1], units)
    assert spans == sorted({(units[0].start, units[0].end), (units[-1].start, units[-1].end)})
    assert unknown == [0, len(units) + 1]

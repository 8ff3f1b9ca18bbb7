"""The nothing-invented guard: figures, names, scope and role claims, verbatim quotes."""

from __future__ import annotations

import pytest

from coach.judgement.rubrics import RubricSet
from coach.llm.guard import SourceFacts, check_text, locate_quote

NOTES = (
    "We cut p99 from 850ms to 620ms on the checkout service over two weeks. I helped the "
    "payments team move to Kafka. Costs fell by $4.2M a year, about 12% of spend."
)


def _kinds(text: str, rubrics: RubricSet, quoted: str | None = None) -> list[tuple[str, str]]:
    return [(v.kind, v.text) for v in check_text(text, SourceFacts(NOTES, rubrics), quoted)]


@pytest.mark.parametrize(
    "faithful",
    [
        "I cut p99 from 850 ms to 620ms on the checkout service.",
        "Costs fell by $4,200,000 a year.",
        "I helped the payments team move to Kafka.",
        "p99 went from 850ms to 620ms over [[the measurement window]].",
        "Over two weeks, checkout p99 fell to 620ms.",
    ],
)
def test_faithful_sentences_pass(faithful: str, rubrics: RubricSet) -> None:
    assert _kinds(faithful, rubrics) == []


@pytest.mark.parametrize(
    ("invented", "expected"),
    [
        ("I cut p99 by 27%.", [("figure", "27%")]),
        ("Costs fell by $5M a year.", [("figure", "$5M a year")]),
        ("I moved 14 services to Kafka.", [("figure", "14 services")]),
        ("I worked with the CTO on DynamoDB.", [("name", "CTO"), ("name", "DynamoDB")]),
        ("The change rolled out company-wide.", [("scope", "company-wide")]),
        ("I moved three teams to Kafka.", [("figure", "three teams")]),
    ],
)
def test_invented_facts_are_caught(
    invented: str, expected: list[tuple[str, str]], rubrics: RubricSet
) -> None:
    found = _kinds(invented, rubrics)
    for item in expected:
        assert item in found, found


@pytest.mark.parametrize(
    ("story", "quoted"),
    [
        ("I led the payments team's move to Kafka.", "I helped the payments team move to Kafka"),
        ("I drove the move across several teams.", "I helped the payments team move to Kafka"),
        ("I mentored the payments team.", "I helped the payments team"),
    ],
)
def test_verb_and_scope_inflation_against_the_quoted_words(
    story: str, quoted: str, rubrics: RubricSet
) -> None:
    assert any(kind == "scope" for kind, _ in _kinds(story, rubrics, quoted))


def test_a_claim_the_quote_makes_is_allowed(rubrics: RubricSet) -> None:
    notes = "I led the migration of billing to Postgres."
    facts = SourceFacts(notes, rubrics)
    assert check_text("I led the billing migration to Postgres.", facts, notes) == []


@pytest.mark.parametrize(
    ("quote", "found"),
    [
        ("I helped the payments team", True),
        ("  I helped the\n payments   team  ", True),
        ("“cut p99 from 850ms to 620ms”", True),
        ("I helped the Payments team", False),
        ("I led the payments team", False),
        ("", False),
    ],
)
def test_quotes_must_be_verbatim_up_to_white_space(quote: str, found: bool) -> None:
    span = locate_quote(NOTES, quote)
    assert (span is not None) is found
    if span:
        assert " ".join(NOTES[span[0] : span[1]].split()) == " ".join(quote.strip(" “”").split())


@pytest.mark.parametrize(
    ("story", "quoted", "flagged"),
    [
        # The team's work does not become the engineer's own.
        ("I cut p99 from 850ms to 620ms.", "We cut p99 from 850ms to 620ms", ["I"]),
        ("I've moved our checkout to Kafka.", "our checkout moved to Kafka", ["I've"]),
        # "We" kept, or "my team", is faithful.
        ("We cut p99 from 850ms to 620ms.", "We cut p99 from 850ms to 620ms", []),
        ("My team cut p99 from 850ms to 620ms.", "We cut p99 from 850ms to 620ms", []),
        # Quoted words that say "I" too, or name no one (a bullet), support "I".
        ("I cut p99 to 620ms.", "We agreed on a plan and I cut p99 to 620ms", []),
        ("I cut p99 from 850ms to 620ms.", "Cut p99 from 850ms to 620ms", []),
    ],
)
def test_we_in_the_quoted_words_does_not_become_i(
    story: str, quoted: str, flagged: list[str], rubrics: RubricSet
) -> None:
    found = [text for kind, text in _kinds(story, rubrics, quoted) if kind == "scope"]
    assert found == flagged


@pytest.mark.parametrize(
    ("written", "quoted", "caught"),
    [
        ("I saved 72 hours.", "I spent 72 hours of tracing to find the leak", True),
        ("Tracing cut 72 hours from the hunt.", "I spent 72 hours of tracing", True),
        ("After 72 hours of tracing I found the leak.", "I spent 72 hours of tracing", False),
        ("p99 dropped to 620ms.", "We cut p99 from 850ms to 620ms", False),
        ("We saved $4.2M a year.", "Costs fell by $4.2M a year", False),
    ],
)
def test_a_figure_told_with_another_meaning_is_caught(
    written: str, quoted: str, caught: bool, rubrics: RubricSet
) -> None:
    # The same quantity is in the notes either way; what it measures is not.
    notes = NOTES + " I spent 72 hours of tracing to find the leak."
    found = check_text(written, SourceFacts(notes, rubrics), quoted)
    assert any(v.kind == "figure" for v in found) is caught, found


def test_a_decimal_point_does_not_end_the_sentence_a_figure_is_read_in(
    rubrics: RubricSet,
) -> None:
    quoted = "Error rate reduced from 2.1% to 0.03%"
    notes = NOTES + " " + quoted + "."
    assert check_text("Error rate reduced to 0.03%.", SourceFacts(notes, rubrics), quoted) == []

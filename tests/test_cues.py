"""The rubric phrase language: each form of token spec, anchors, gaps and errors."""

from __future__ import annotations

import pytest

from coach.cues import CueSet, Phrase, PhraseError, tokenize


def _found(phrase: str, text: str, unit_starts: tuple[int, ...] = (0,)) -> list[str]:
    tokens = tokenize(text, unit_starts)
    return [text[m.start : m.end] for m in CueSet([[phrase]]).matches(tokens)]


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("team", "My Team shipped it", ["Team"]),
        ("team|squad", "the squad and the team", ["squad", "team"]),
        ("analy*", "I analysed the logs and analyzed more", ["analysed", "analyzed"]),
        ("*ed the", "I rewrote the cache and cached the data", ["cached the"]),
        ("# teams", "three teams and 12 teams but some teams", ["three teams", "12 teams"]),
        ("the? service", "the service and service", ["the service", "service"]),
        ("i !was *ed", "I was asked. I fixed it", ["I fixed"]),
        ("chose ..3 over", "chose Kafka for cost over Kinesis", ["chose Kafka for cost over"]),
        ("chose ..1 over", "chose Kafka for cost over Kinesis", []),
        ("didn't", "We didn’t ship", ["didn’t"]),
        ("vs|versus *", "Kafka vs. Kinesis", ["vs. Kinesis"]),
        ("p99", "p99 850ms", ["p99"]),
        # Regex metacharacters inside words are literal: "." is not "any character".
        ("node.js", "nodexjs and node.js", ["node.js"]),
        ("$ #", "saved $310k and $ 4.2m", ["$310k", "$ 4.2m"]),
        ("cut the? cost", "cut the cost, cut cost", ["cut the cost", "cut cost"]),
        ("# ..2 services", "12 legacy payment services", ["12 legacy payment services"]),
    ],
)
def test_phrase_forms(phrase: str, text: str, expected: list[str]) -> None:
    assert _found(phrase, text) == expected


def test_anchor_matches_only_at_unit_starts() -> None:
    text = "Reduced cost. Then we reduced toil."
    assert _found("^ reduced", text, unit_starts=(0, 14)) == ["Reduced"]


@pytest.mark.parametrize("bad", ["", "^", "..2 team", "team ..2", "!team", "te*am", "a||b", "the?"])
def test_bad_phrases_are_refused(bad: str) -> None:
    with pytest.raises(PhraseError):
        Phrase.parse(bad)


def test_each_group_matches_once_per_starting_word() -> None:
    text = "reduced costs"
    tokens = tokenize(text)
    matches = CueSet([["reduced", "reduced costs"], ["costs"]]).matches(tokens)
    assert [(m.group, text[m.start : m.end]) for m in matches] == [(0, "reduced"), (1, "costs")]


def test_token_spans_index_the_text_whatever_its_case() -> None:
    # "İ".lower() is two characters; a shifted span would quote the wrong words as evidence.
    text = "İİ İzmir team’s p99 fell from 850ms to 320ms."
    tokens = tokenize(text)
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)][-6:] == [
        "p99", "fell", "from", "850ms", "to", "320ms"
    ]  # fmt: skip
    assert "team's" in tokens.words

"""The rubric phrase language: each form of token spec, anchors, gaps and errors."""

from __future__ import annotations

import re
from bisect import bisect_left

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coach.errors import PhraseError
from coach.judgement.cues import CueSet, Phrase, tokenize


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
        # Without "the", the phrase starts with a negation, which consumes no word.
        ("the? !b team", "a team", ["team"]),
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


def _plain_spans(phrase: str, text: str, unit_starts: list[int]) -> list[tuple[int, int]]:
    """The textbook matcher: the whole phrase's pattern tried at every word, in order."""
    tokens = tokenize(text, unit_starts)
    parsed = Phrase.parse(phrase)
    found: list[tuple[int, int]] = []
    busy = -1
    for index in range(len(tokens.words)):
        if index <= busy or (parsed.anchored and not tokens.opens_unit[index]):
            continue
        match = parsed.pattern().match(tokens.joined, tokens.offsets[index])
        if match is None:
            continue
        last = bisect_left(tokens.offsets, match.end()) - 1
        if last < tokens.unit_limit[index]:
            busy = last
            found.append((tokens.starts[index], tokens.ends[last]))
    return found


# The first spec is a required one: an optional first spec is indexed as two phrases, which may
# match where the single pattern, stopped at a unit's end, gives up ("the? *" on "the | team").
_FIRST_SPECS = ["team", "the", "a|b", "te*", "*am", "#", "*"]
_SPECS = [*_FIRST_SPECS, "the?", "!b", "..2", "b?"]
_WORDS = ["team", "the", "a", "b", "teams", "tram", "3", "x", "Team", "."]


@settings(max_examples=1500, deadline=None)
@given(
    st.booleans(),
    st.tuples(st.sampled_from(_FIRST_SPECS), st.lists(st.sampled_from(_SPECS), max_size=3)),
    st.lists(st.sampled_from(_WORDS), max_size=12),
    st.sets(st.integers(0, 12)),
)
def test_the_indexed_walk_finds_what_the_plain_matcher_finds(
    anchored: bool, specs: tuple[str, list[str]], words: list[str], opening: set[int]
) -> None:
    phrase = ("^ " if anchored else "") + " ".join([specs[0], *specs[1]])
    try:
        Phrase.parse(phrase)
    except PhraseError:
        return
    text = " ".join(words)
    unit_starts = sorted(
        {0} | {len(" ".join(words[:i])) + 1 for i in opening if 0 < i < len(words)}
    )
    walked = [(s, e) for _, s, e in CueSet([[phrase]]).spans(tokenize(text, unit_starts))]
    assert walked == _plain_spans(phrase, text, unit_starts)


@given(st.lists(st.sampled_from(_WORDS), max_size=12), st.sets(st.integers(0, 60)))
def test_each_word_knows_where_its_unit_ends(words: list[str], unit_starts: set[int]) -> None:
    tokens = tokenize(" ".join(words), unit_starts)
    count = len(tokens.words)
    for index in range(count):
        later = [i for i in range(index + 1, count) if tokens.opens_unit[i]]
        assert tokens.unit_limit[index] == (later[0] if later else count)
    assert tokens.opens_unit == [
        any(tokens.starts[i] >= p and (i == 0 or tokens.starts[i - 1] < p) for p in unit_starts)
        for i in range(count)
    ]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet="ab09'-/.&+%$€ ~İ’C", max_size=30))
def test_words_are_what_the_plain_word_pattern_finds(text: str) -> None:
    plain = re.compile(r"[a-z0-9][a-z0-9']*(?:[-/.&+][a-z0-9][a-z0-9']*)*[%+]?|[$€£±~]")
    lowered = text.replace("\u0130", "I").lower().replace("\u2019", "'")
    tokens = tokenize(text)
    assert [(t.start(), t.end()) for t in plain.finditer(lowered)] == list(
        zip(tokens.starts, tokens.ends, strict=True)
    )

"""Cue phrases: the small word-pattern language the rubrics are written in, and a fast matcher.

A phrase is a space-separated list of token specs, matched against the lower-cased words of the
notes (see rubrics/README.md):

    word          the word itself                      team
    a|b|c         any of these words                   team|teams|squad
    pre*          a word starting with `pre`           analy*
    *suf          a word ending with `suf`             *ed
    #             a number (digits, or a number word)  #|a|few
    *             any one word
    spec?         the spec, or nothing                 the?
    !spec         the next word does not match spec    !was|were   (consumes nothing)
    ..N           zero to N words of anything          ..3
    ^             (first) the phrase starts a sentence or clause

Phrases are indexed by their first word (or first two), so matching every rubric against a story
is one walk over its words instead of one regular-expression scan per pattern. Only the phrases a
word can start are tried there, each as a compiled pattern anchored at that word.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress, pairwise
from typing import Final, Generic, NamedTuple, TypeVar, cast

from coach.errors import PhraseError
from coach.lexicon import load_lexicon

K = TypeVar("K")

# A word: letters and digits, joined by - / . & + ("p99", "ci/cd", "node.js", "c++"). Possessive
# quantifiers (nothing after them could ever use a character given back) spare sre the
# bookkeeping of backtracking: 20% faster, and the same words (a test holds it to the plain form).
_TOKEN: Final = r"[a-z0-9][a-z0-9']*+(?:[-/.&+][a-z0-9][a-z0-9']*+)*+[%+]?|[$€£±~]"
_WORD_SPLIT: Final = re.compile(f"({_TOKEN})")  # the words kept, between the gaps
_NUMBER: Final = re.compile(r"[\d.,]+[%+kmb]?|[\d.,]+(?:ms|s|x)")
_CANDIDATE_CACHE_WORDS: Final = 50_000
_NUMBER_WORDS: Final = frozenset(load_lexicon().number_words)  # what `#` matches beside digits


@dataclass(frozen=True, slots=True)
class Tokens:
    """The lower-cased words of a text with their spans, and which words open a unit."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    opens_unit: list[bool]
    unit_limit: list[int]  # index of the next word that opens a unit: matches stop before it
    joined: str  # the words, each followed by one space: what phrase patterns run over
    offsets: list[int]  # where each word starts in `joined`, then len(joined)

    def between(self, start: int, end: int) -> range:
        """Indices of the words inside the character span [start, end)."""
        return range(bisect_left(self.starts, start), bisect_left(self.starts, end))


def tokenize(text: str, unit_starts: Iterable[int] = ()) -> Tokens:
    """Words of `text` (lower-cased, curly apostrophes straightened) and their spans."""
    # "İ" (U+0130) is the one character whose lower case is two characters long; lower-casing it
    # as "I" keeps every later span pointing at the same characters of `text`.
    lowered = text.replace("\u0130", "I").lower().replace("\u2019", "'")
    # Split on the words: [gap, word, gap, word, ..., gap], built in C with no match objects; the
    # running total of the pieces' lengths gives where each word starts and ends, and where it
    # starts in `joined` (one space after each word).
    pieces = _WORD_SPLIT.split(lowered)
    words = pieces[1::2]
    starts: list[int] = []
    ends: list[int] = []
    offsets = [0]
    at = in_joined = 0
    for gap, word in zip(pieces[0:-1:2], words, strict=True):
        at += len(gap)
        starts.append(at)
        at += len(word)
        ends.append(at)
        in_joined += len(word) + 1
        offsets.append(in_joined)
    count = len(words)
    opening = sorted({index for p in unit_starts if (index := bisect_left(starts, p)) < count})
    opens = [False] * count
    for index in opening:
        opens[index] = True
    # Every word up to the next opening word stops there: filled a unit at a time.
    limit: list[int] = []
    for next_open in [*opening, count]:
        limit += [next_open] * (next_open - len(limit))
    joined = " ".join(words) + " " if words else ""
    return Tokens(words, starts, ends, opens, limit, joined, offsets)


@dataclass(frozen=True, slots=True)
class _Spec:
    kind: str  # "words", "any" or "gap"
    words: frozenset[str] = frozenset()
    affixes: tuple[tuple[str, str], ...] = ()  # ("prefix"|"suffix", text)
    number: bool = False
    optional: bool = False
    negated: bool = False
    gap: int = 0

    def regex(self) -> str:
        """A regular expression for one word of `Tokens.joined` with its trailing space."""
        if self.kind == "gap":
            return f"(?:[^ ]+ ){{0,{self.gap}}}?"  # lazy: the shortest gap is tried first
        if self.kind == "any":
            word = "[^ ]+"
        else:
            choices = [re.escape(w) for w in sorted(self.words)]
            for kind, affix in self.affixes:
                choices.append(
                    f"{re.escape(affix)}[^ ]*" if kind == "prefix" else f"[^ ]*{re.escape(affix)}"
                )
            if self.number:
                choices += [_NUMBER.pattern, *sorted(_NUMBER_WORDS)]
            word = "(?:" + "|".join(choices) + ")"
        if self.negated:
            return f"(?!{word} )"
        return f"(?:{word} )?" if self.optional else f"{word} "


def _parse_spec(raw: str) -> _Spec:
    optional = raw.endswith("?") and len(raw) > 1
    negated = raw.startswith("!") and len(raw) > 1
    body = raw[1:] if negated else raw
    body = body[:-1] if optional else body
    if body.startswith("..") and body[2:].isdigit():
        return _Spec(kind="gap", gap=int(body[2:]))
    if body == "*":
        return _Spec(kind="any", optional=optional, negated=negated)
    words: set[str] = set()
    affixes: list[tuple[str, str]] = []
    number = False
    for choice in body.split("|"):
        if not choice:
            raise PhraseError(f"empty choice in {raw!r}")
        if choice == "#":
            number = True
        elif choice.endswith("*") and len(choice) > 1:
            affixes.append(("prefix", choice[:-1]))
        elif choice.startswith("*") and len(choice) > 1:
            affixes.append(("suffix", choice[1:]))
        elif "*" in choice:
            raise PhraseError(f"a '*' must start or end a word: {raw!r}")
        else:
            words.add(choice)
    return _Spec("words", frozenset(words), tuple(affixes), number, optional, negated)


@dataclass(frozen=True, slots=True)
class Phrase:
    """One parsed cue phrase."""

    source: str
    anchored: bool
    specs: tuple[_Spec, ...]

    @classmethod
    def parse(cls, source: str) -> Phrase:
        """Parse a phrase; raise PhraseError if it is not valid."""
        raw = source.lower().split()
        anchored = bool(raw) and raw[0] == "^"
        raw = raw[1:] if anchored else raw
        if not raw:
            raise PhraseError(f"empty phrase {source!r}")
        specs = tuple(_parse_spec(token) for token in raw)
        if specs[0].kind == "gap" or specs[-1].kind == "gap":
            raise PhraseError(f"a phrase cannot start or end with a gap: {source!r}")
        if all(s.optional or s.negated for s in specs if s.kind != "gap"):
            raise PhraseError(f"a phrase needs at least one required word: {source!r}")
        if specs[0].negated:
            raise PhraseError(f"a phrase cannot start with a negation: {source!r}")
        return cls(source, anchored, specs)

    def pattern(self, first_spec: int = 0) -> re.Pattern[str]:
        """The phrase from its `first_spec` on, as a pattern over `Tokens.joined`."""
        # The regex engine backtracks in the phrase language's order: a gap tries its fewest
        # words first, an optional word is taken when it is there.
        return _compiled("".join(spec.regex() for spec in self.specs[first_spec:]))


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """Compiled once per process: several cue sets share phrases (re's own cache holds 512)."""
    return re.compile(pattern)


class _Entry(NamedTuple):
    """A phrase as the walk tries it at a word."""

    group: int
    anchored: bool
    # The index has shown that the phrase's first `known` words fit (each of those specs matches
    # exactly one word): the rest is matched from there, or is nothing (None).
    pattern: re.Pattern[str] | None
    known: int


def _entry(group: int, phrase: Phrase, known: int) -> _Entry:
    rest = phrase.pattern(known) if len(phrase.specs) > known else None
    return _Entry(group, phrase.anchored, rest, known)


class CueMatch(NamedTuple):
    """A phrase of one group matched at a span of the text."""

    group: int
    start: int
    end: int


class CueSet:
    """Many groups of phrases, matched in one walk over the words."""

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self._by_word: dict[str, list[_Entry]] = {}
        self._by_prefix: dict[str, list[tuple[str, _Entry]]] = {}
        self._scan: list[_Entry] = []
        self._numbers: list[_Entry] = []
        self._by_suffix: dict[str, list[tuple[str, _Entry]]] = {}
        # Which phrases may start at a word depends on the word alone: remember it across texts.
        self._candidate_cache: dict[str, list[_Entry]] = {}
        # Phrases whose first two specs are plain words, indexed by both words.
        self._by_pair: dict[tuple[str, str], list[_Entry]] = {}
        self._groups = len(groups)
        for group, phrases in enumerate(groups):
            for source in phrases:
                self._index(group, Phrase.parse(source))

    def _index(self, group: int, phrase: Phrase) -> None:
        first = phrase.specs[0]
        if first.optional and len(phrase.specs) > 1:
            # "the? team" is indexed as both "the team" and "team".
            required = _Spec(first.kind, first.words, first.affixes, first.number)
            self._index(
                group, Phrase(phrase.source, phrase.anchored, (required, *phrase.specs[1:]))
            )
            self._index(group, Phrase(phrase.source, phrase.anchored, phrase.specs[1:]))
            return
        if first.kind == "any" or first.negated:
            # Any word may start it; a negation left first by "x? !y z" consumes no word.
            self._scan.append(_entry(group, phrase, known=0))
            return
        second = phrase.specs[1] if len(phrase.specs) > 1 else None
        if _plain(first) and second is not None and _plain(second):
            # Indexed by its first two words, both known to fit when the walk tries it.
            pair = _entry(group, phrase, known=2)
            for word in first.words:
                for next_word in second.words:
                    self._by_pair.setdefault((word, next_word), []).append(pair)
            return
        entry = _entry(group, phrase, known=1)
        for word in first.words:
            self._by_word.setdefault(word, []).append(entry)
        for kind, affix in first.affixes:
            if kind == "prefix":
                self._by_prefix.setdefault(affix[:1], []).append((affix, entry))
            else:
                self._by_suffix.setdefault(affix[-1:], []).append((affix, entry))
        if first.number:
            self._numbers.append(entry)

    def _candidates(self, word: str) -> list[_Entry]:
        """The entries of the phrases that could start at this word."""
        found = list(self._by_word.get(word, ()))
        found += [e for pre, e in self._by_prefix.get(word[:1], ()) if word.startswith(pre)]
        found += [e for suf, e in self._by_suffix.get(word[-1:], ()) if word.endswith(suf)]
        if self._numbers and (word in _NUMBER_WORDS or _NUMBER.fullmatch(word)):
            found += self._numbers
        found += self._scan
        # A phrase indexed under several of its first words must not be tried twice (equal
        # entries match alike, so equality, not identity, which a compiled build does not keep).
        return list(dict.fromkeys(found))

    def matches(self, tokens: Tokens) -> list[CueMatch]:
        """Every phrase match in text order; a group's matches never overlap each other."""
        return [CueMatch(group, start, end) for group, start, end in self.spans(tokens)]

    def _entries_at(self, words: list[str]) -> list[list[_Entry]]:
        """Each word's entries, looked up a list at a time; a word met for the first time gets
        its entries built and remembered."""
        cache = self._candidate_cache
        if len(cache) > _CANDIDATE_CACHE_WORDS:
            cache.clear()
        listed = list(map(cache.get, words))
        if None not in listed:
            return cast(list[list[_Entry]], listed)
        for word in {word for word, entries in zip(words, listed, strict=True) if entries is None}:
            cache[word] = self._candidates(word)
        return [cache[word] for word in words]

    def spans(self, tokens: Tokens) -> list[tuple[int, int, int]]:
        """`matches` as plain (group, start, end) tuples: the hot path builds no objects."""
        found: list[tuple[int, int, int]] = []
        busy_until = [-1] * self._groups  # by group: the last word its last match used
        starts, ends, opens, limit = (
            tokens.starts,
            tokens.ends,
            tokens.opens_unit,
            tokens.unit_limit,
        )
        words, joined, offsets = tokens.words, tokens.joined, tokens.offsets
        count = len(words)
        # Each word's phrases, and the phrases each pair of words starts, looked up a list at a
        # time; the walk then visits only the words where something may start.
        listed = self._entries_at(words)
        pairs = [*map(self._by_pair.get, pairwise(words)), None]
        for index in sorted({*compress(range(count), listed), *compress(range(count), pairs)}):
            candidates = listed[index]
            if more := pairs[index]:
                candidates = [*candidates, *more]
            for group, anchored, pattern, known in candidates:
                if busy_until[group] >= index or (anchored and not opens[index]):
                    continue
                if pattern is None:  # the words the index checked are the whole phrase
                    last = index + known - 1
                elif (match := pattern.match(joined, offsets[index + known])) is not None:
                    last = bisect_left(offsets, match.end()) - 1
                else:
                    continue
                # A phrase never runs from one sentence or clause into the next.
                if last < limit[index]:
                    busy_until[group] = last
                    found.append((group, starts[index], ends[last]))
        return found


def _plain(spec: _Spec) -> bool:
    """A spec that is just a set of words: it can be looked up, not tested."""
    return (
        spec.kind == "words"
        and bool(spec.words)
        and not (spec.affixes or spec.number or spec.optional or spec.negated)
    )


def validate_phrases(phrases: Iterable[str]) -> None:
    """Raise PhraseError for the first phrase that does not parse."""
    for phrase in phrases:
        Phrase.parse(phrase)


class Hit(Generic[K]):
    """A cue of the group keyed `key` (worth `weight`) found at a span.

    A plain slotted class: a hundred are made a story, and it is cheap to build and read.
    """

    __slots__ = ("end", "group", "key", "start", "weight")

    def __init__(self, key: K, group: int, weight: float, start: int, end: int) -> None:
        self.key, self.group, self.weight, self.start, self.end = key, group, weight, start, end

    def __repr__(self) -> str:
        return f"Hit({self.key!r}, {self.group}, {self.weight}, {self.start}, {self.end})"


class CueBook(Generic[K]):
    """Keyed, weighted groups of phrases over one CueSet."""

    def __init__(self, entries: Sequence[tuple[K, float, Sequence[str]]]) -> None:
        self._keys = [key for key, _, _ in entries]
        self._weights = [weight for _, weight, _ in entries]
        self._cues = CueSet([phrases for _, _, phrases in entries])

    def find(self, tokens: Tokens) -> list[Hit[K]]:
        """Every hit in the text, in order."""
        keys, weights = self._keys, self._weights
        return [
            Hit(keys[group], group, weights[group], start, end)
            for group, start, end in self._cues.spans(tokens)
        ]

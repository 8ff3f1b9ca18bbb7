"""Figures as the corpus's labellers mark them: a learned tagger over the tokens near numbers.

The hand-written finder (`figures.py`) knows how figures are built; people label more than
it finds ("handled 5 solo", "a full quarter", "weekly") and draw spans their own way ("7 teams",
"~2,000 manual journal entries a month"). A linear-chain CRF (`FigureModel`, fitted by
`make train`) tags each token near a number as beginning a figure, inside one or outside,
reading the words around it and what the hand-written finder made of it. Its spans decide where
figures stand; the finder's figures, where they agree, keep the values they parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Final

from coach.judgement.figure_words import (
    APPROX_LEAD,
    CADENCE_WORDS,
    CADENCES,
    FRACTION_VALUES,
    LONE_NUMBER,
    MULTIPLIERS,
    NUMBER_WORDS,
    ORDINAL_BEFORE,
    QUANTITY,
    SPAN_NUMBER,
    SPAN_WORD,
    STATUS_CODES,
    TIME_WORDS,
    metric_kind,
    number_value,
)
from coach.judgement.figures import qualified_spans
from coach.judgement.sequence_model import FigureModel
from coach.models import Figure, MetricKind

# A hyphenated word is one token ("fleet-wide", "truck-roll"): split, its pieces used up the
# window after a number before the noun a count ends on.
_TOKEN: Final = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['-][^\W\d_]+)*|\S")
_SHAPE_RUNS: Final = re.compile(r"(.)\1+")
_DIGIT_OR_SIGN: Final = re.compile(r"[\d$€£~≈<>+]")
_SIGNS: Final = frozenset("$€£~≈<>+")
_LETTERS: Final = re.compile(r"[^\W\d_]+")
# Marks no labelled figure holds (a number's own "," and "." are inside its token): a span
# the tagger draws across one ("0.81 | 0.94", "[20%") stops there.
_NEVER_INSIDE: Final = frozenset('.,;:|()[]"!?')
_OF: Final = re.compile(r"\bof\b", re.IGNORECASE)
_TRIGGER_WORDS: Final = NUMBER_WORDS | CADENCE_WORDS | {w for w in TIME_WORDS if len(w) > 1}
# A figure starts at most this many tokens before a number, number word, unit of time or
# currency sign and ends at most this many after it (grouped CV: wider windows found no more).
_BEFORE: Final = 2
_AFTER: Final = 4

Token = tuple[int, int, str]  # start, end, text: a word, a number or one other character


def tokens_of(notes: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of `notes[start:end]`, spans into `notes`."""
    finish = len(notes) if end is None else end
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(notes, start, finish)]


def _triggers(token: str) -> bool:
    return token[0].isdecimal() or token in _SIGNS or token.lower() in _TRIGGER_WORDS


def stretches(notes: str) -> Iterator[list[Token]]:
    """Runs of tokens, within one line, near something a figure is made of: what the tagger
    reads. Most of the notes is no figure and is never looked at."""
    position = 0
    for line in notes.split("\n"):
        start = position
        position += len(line) + 1
        if not _DIGIT_OR_SIGN.search(line) and _TRIGGER_WORDS.isdisjoint(
            _LETTERS.findall(line.lower())
        ):
            continue  # the common line: a quick look says nothing here could start a figure
        found = tokens_of(notes, start, start + len(line))
        near = [i for i, token in enumerate(found) if _triggers(token[2])]
        if not near:
            continue
        first, last = max(0, near[0] - _BEFORE), near[0] + _AFTER
        for i in near[1:]:
            if i - _BEFORE > last + 1:
                yield found[first : min(last, len(found) - 1) + 1]
                first = i - _BEFORE
            last = i + _AFTER
        yield found[first : min(last, len(found) - 1) + 1]


@lru_cache(maxsize=1 << 14)
def _shape(token: str) -> str:
    shape = "".join("X" if c.isupper() else "x" if c.isalpha() else "d" if c.isdigit() else c
                    for c in token)  # fmt: skip
    return _SHAPE_RUNS.sub(r"\1\1", shape)


def _tags(stretch: Sequence[Token], spans: Sequence[tuple[int, int]], *, partly: bool) -> list[str]:
    """B (a span starts here), I (inside one), O (outside), or P (crossing a span's bound, when
    `partly`; O otherwise) for each token."""
    tags = []
    for token_start, token_end, _ in stretch:
        tag = "O"
        for start, end in spans:
            if start <= token_start and token_end <= end:
                tag = "B" if token_start == start else "I"
                break
            if partly and token_start < end and token_end > start:
                tag = "P"
        tags.append(tag)
    return tags


def token_features(
    stretch: Sequence[Token], finder_spans: Sequence[tuple[int, int]], count_nouns: frozenset[str]
) -> list[list[str]]:
    """Named features of each token of a stretch: its word and shape, its neighbours' words,
    the number words, units of time, cadences and count nouns it is or has after it, and the
    hand-written finder's tag for it and its neighbours.

    Kept few on purpose: the tagger reads every number of every story. In grouped CV the words
    three away, the neighbours' shapes two away and word pairs added 0.3 points of exact spans
    for a third more time.
    """
    words = [token[2].lower() for token in stretch]
    shapes = [_shape(token[2]) for token in stretch]
    finder = _tags(stretch, finder_spans, partly=True)  # the hand-written finder's reading
    last = len(stretch) - 1
    rows: list[list[str]] = []
    for i, word in enumerate(words):
        row = ["bias", "w=" + word, "sh=" + shapes[i], "r=" + finder[i]]
        if word in NUMBER_WORDS:
            row.append("numw")
        if word in TIME_WORDS:
            row.append("time")
        if word in CADENCE_WORDS:
            row.append("cad")
        if word in count_nouns:
            row.append("count")
        if i and stretch[i - 1][1] == stretch[i][0]:
            row.append("glued")
        if i:
            row += ["w-1=" + words[i - 1], "r-1=" + finder[i - 1], "sh-1=" + shapes[i - 1]]
            row.append("w-2=" + words[i - 2] if i > 1 else "w-2=<edge>")
        else:
            row += ["w-1=<edge>", "w-2=<edge>"]
        for offset in (1, 2):
            if i + offset > last:
                row.append(f"w{offset}=<edge>")
                continue
            after = words[i + offset]
            row.append(f"w{offset}={after}")
            if offset == 1:
                row += ["r1=" + finder[i + 1], "sh1=" + shapes[i + 1]]
            if after in count_nouns:
                row.append(f"count{offset}")
            if len(after) > 3 and after.endswith("s") and after.isalpha():
                row.append(f"plural{offset}")
        rows.append(row)
    return rows


def gold_tags(stretch: Sequence[Token], spans: Sequence[tuple[int, int]]) -> list[str]:
    """B, I or O for each token from labelled figure spans (what the tagger is fitted to)."""
    return _tags(stretch, spans, partly=False)


def _spans(stretch: Sequence[Token], tags: Sequence[str]) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    open_span: tuple[int, int] | None = None
    for (start, end, text), tag in zip(stretch, tags, strict=True):
        if text in _NEVER_INSIDE:
            tag = "O"
        if tag == "B" or (tag == "I" and open_span is None):
            if open_span is not None:
                found.append(open_span)
            open_span = (start, end)
        elif tag == "I" and open_span is not None:
            open_span = (open_span[0], end)
        elif open_span is not None:
            found.append(open_span)
            open_span = None
    if open_span is not None:
        found.append(open_span)
    return found


def tagged_spans(
    notes: str, finder: Sequence[Figure], model: FigureModel, count_nouns: frozenset[str]
) -> list[tuple[int, int]]:
    """The spans the learned tagger marks as figures in the notes, in order."""
    finder_spans = [(figure.start, figure.end) for figure in finder]
    spans: list[tuple[int, int]] = []
    for stretch in stretches(notes):
        spans += _spans(stretch, model.tag(token_features(stretch, finder_spans, count_nouns)))
    return spans


def _split_by_tagger(
    notes: str, finder: Sequence[Figure], tagged: Sequence[tuple[int, int]]
) -> tuple[set[int], set[int]]:
    """The finder's figures the tagger cut in two: where no "of" joins the pieces (a range, a
    rate or a duration the finder read whole: "10 to 12%", "1 in 6 deals") the figure stands
    whole; where "of" does ("46 of 51 pages") the pieces stand apart, as the tagger drew them,
    since labellers differ on it."""
    whole: set[int] = set()
    apart: set[int] = set()
    for i, figure in enumerate(finder):
        inside = [(s, e) for s, e in tagged if figure.start < e and s < figure.end]
        if len(inside) > 1:
            joined_by_of = _OF.search(notes, inside[0][1], inside[1][0])
            (apart if joined_by_of else whole).add(i)
    return whole, apart


def merge(notes: str, finder: Sequence[Figure], tagged: Sequence[tuple[int, int]]) -> list[Figure]:
    """The figures of the notes: the tagger's spans, each carrying what the finder parsed of it.

    A tagged span on one finder figure takes that figure's value and kind (with the tagger's
    bounds unless they are only the finder's qualifier trimmed); a span that covers several keeps
    them apart, since each has its own value; a span the finder missed is parsed on its own.
    A finder's figure the tagger cut in two stands whole, or, cut at "of", in the tagger's pieces
    (`_split_by_tagger`). The finder's figures that no span touches stay: the tagger adds and
    redraws, never removes, so a before/after change the finder paired is never broken.
    """
    figures: list[Figure] = []
    touched: set[int] = set()
    whole, apart = _split_by_tagger(notes, finder, tagged)
    for start, end in tagged:
        on = [i for i, f in enumerate(finder) if f.start < end and start < f.end]
        if len(on) == 1 and on[0] in apart and on[0] in touched:
            on = []  # a later piece of a figure the tagger cut at "of": read on its own
        elif any(i in touched for i in on):
            continue  # the finder's figure is already drawn by an earlier span
        touched.update(on)
        if len(on) == 1:
            figure = finder[on[0]]
            if (start, end) not in qualified_spans(figure) and on[0] not in whole:
                figure = figure.model_copy(
                    update={"start": start, "end": end, "text": notes[start:end]}
                )
            figures.append(figure)
        elif on:
            figures += [finder[i] for i in on]
        else:
            parsed = figure_from_span(notes, start, end)
            if parsed is not None:
                figures.append(parsed)
    figures += [figure for i, figure in enumerate(finder) if i not in touched]
    figures.sort(key=lambda f: (f.start, f.end))
    return figures


def figure_from_span(notes: str, start: int, end: int) -> Figure | None:
    """A figure for a span the finder did not read ("handled 5 solo", "weekly", "a full
    quarter"): its number, unit of time or cadence, and the noun it counts, read from the span."""
    text = notes[start:end]
    lowered = text.lower()
    cadence = next((w for w in SPAN_WORD.findall(lowered) if w in CADENCE_WORDS), None)
    if cadence is not None:
        return Figure(text=text, start=start, end=end, kind=MetricKind.RATE,
                      value=CADENCES[cadence], unit="per day")  # fmt: skip
    if STATUS_CODES.fullmatch(text):
        return None  # "429s", "502s": HTTP errors, not seconds
    if LONE_NUMBER.fullmatch(text) and ORDINAL_BEFORE.search(notes, max(0, start - 12), start):
        return None  # "option three", "year two", "step 2": a position, not an amount
    number = SPAN_NUMBER.search(text)
    if number is None:
        return None
    if number["part"] and not SPAN_WORD.findall(text[number.end() :]):
        share = 100 * FRACTION_VALUES[number["part"].lower()]
        return Figure(
            text=text,
            start=start,
            end=end,
            kind=MetricKind.PERCENT,
            value=round(share, 2),
            unit="%",
            approximate=bool(APPROX_LEAD.match(text)),
        )
    match = QUANTITY.match(text, number.start())
    value: float | None = None
    unit: str | None = None
    if match is not None and match["num"]:
        value = float(match["num"].replace(",", ""))
        if match["mult"]:
            value *= MULTIPLIERS.get(match["mult"].lower(), 1.0)
        unit = match["unit"]
    elif match is not None and match["word"]:
        value, unit = number_value(match["word"]), match["unit"]
    elif number.group().lower() in ("a", "an"):
        value = 1.0
    words: list[str] = SPAN_WORD.findall(text[number.end() :])
    timed = next((w for w in words if w.lower() in TIME_WORDS), None)
    has_currency = any(sign in text for sign in "$€£")
    per_time = timed is not None and re.search(
        rf"(?:/|\b(?:per|a|an|each|every)\s+){re.escape(timed)}\b", text, re.IGNORECASE
    )
    kind = metric_kind(unit or timed, has_currency, bool(per_time), False)
    noun = words[-1].lower() if words and kind is MetricKind.NUMBER else None
    if noun is not None:
        kind = MetricKind.COUNT
    return Figure(
        text=text,
        start=start,
        end=end,
        kind=kind,
        value=value,
        unit=(unit or timed or ("$" if has_currency else None)),
        noun=noun,
        approximate=bool(APPROX_LEAD.match(text)),
    )

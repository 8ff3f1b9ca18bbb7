"""Find every figure in a piece of notes, with its exact span, and pair before/after changes."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple

from coach.judgement.caseless import CaselessPattern
from coach.lexicon import alternation, load_lexicon
from coach.models import Figure, MetricKind

_LEXICON: Final = load_lexicon()
# What a number word is worth (the words cues and the figure tagger take for numbers are the
# lexicon's number_words; these values stay beside the code that reads them).
_WORD_VALUES: Final = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "hundred": 100, "hundreds": 100,
    "thousand": 1_000, "thousands": 1_000, "million": 1_000_000, "millions": 1_000_000,
    "billion": 1_000_000_000, "a": 1, "half": 0.5,
}  # fmt: skip
_MULTIPLIERS: Final = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mil": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9, "trillion": 1e12,
}  # fmt: skip
_APPROX: Final = (
    r"~|≈|\b(?:about|around|approximately|approx\.?|roughly|nearly|almost|close to|circa|some"
    r"|over|under|more than|less than|fewer than|up to|at least|at most|north of)\b"
    r"|(?<!\S)[<>]|≥|≤"
)
_TENS: Final = r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_UNITS_WORDS: Final = (
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen"
)
_NUMBER_WORD: Final = (
    rf"(?:(?:a |half a )?dozens?"
    rf"|(?:{_TENS})(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    rf"|{_UNITS_WORDS}|a hundred|hundreds|thousands|millions)"
    r"(?:\s+(?:hundred|thousand|million|billion))?"
)
_UNIT: Final = (
    r"%|×|(?:percent(?:age points?)?|pp|bps|basis points|ms|milli-?seconds?|µs|microseconds?"
    r"|ns|nanoseconds?|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?|weeks?"
    r"|wks?|months?|mos?|quarters?|years?|yrs?|x|-fold|fold|rps|qps|tps"
    r"|req/s|requests?/s(?:ec)?|[KMGTP]i?B|vCPUs?|cores?|points?|pts|stars?)\b"
)
_RATE_TAIL: Final = (
    r"(?:\s*/\s*(?:s|sec|second|min|minute|hr|hour|day|wk|week|mo|month|qtr|quarter|yr|year)\b"
    r"|\s+(?:per|a|each|every)\s+(?:second|minute|hour|day|week|month|quarter|year|annum|sec|min)\b)"
)
_NUMERIC: Final = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"

# A quantity, matched where a candidate number starts (approximators are looked for before it).
_QUANTITY: Final = re.compile(
    r"(?P<cur>[$€£]|USD\s?|EUR\s?|GBP\s?)?"
    rf"(?:(?P<num>{_NUMERIC})(?:\s*[-–]\s*(?P<num2>{_NUMERIC}))?"
    r"(?:\s?(?P<mult>k|K|mm|MM|m|M|mil|bn|b|B|thousand|million|billion|trillion)\b)?"
    rf"|(?P<word>\b{_NUMBER_WORD}\b))"
    r"(?P<plus>\+)?"
    rf"(?:(?:\s?|-)(?P<unit>{_UNIT}))?"
    r"(?P<ish>-ish\b)?"
    rf"(?P<rate>{_RATE_TAIL})?"
    r"(?:\s?(?P<denom>/\s?(?:5|10|100)\b|out of (?:5|10|100)\b))?",
    re.IGNORECASE,
)
_RATE_TAIL_AFTER_NOUN: Final = re.compile(_RATE_TAIL, re.IGNORECASE)  # "40 deploys a day"
_APPROX_BEFORE: Final = re.compile(rf"(?:{_APPROX})\s*$", re.IGNORECASE)
# Two scans, not one alternation: a pure character set lets the regex engine skip ahead fast.
_DIGIT_OR_CURRENCY: Final = re.compile(r"[$€£\d]")
_ASCII_DIGIT_OR_DOLLAR: Final = re.compile(r"[$0-9]")  # the same in ASCII text, and a faster scan
_CURRENCY_CODE: Final = re.compile(r"(?:USD|EUR|GBP)(?=\s?\d)")
_WORD_CANDIDATE: Final = re.compile(r"[A-Za-z]+")
_CANDIDATE_WORDS: Final = frozenset(_WORD_VALUES) | {"half"}
_RATIO_WORDS: Final = frozenset(
    {"twice", "doubled", "tripled", "quadrupled", "halved", "tenfold", "fold"}
)
_TRIGGER_WORDS: Final = _CANDIDATE_WORDS | _RATIO_WORDS
_RATIO_WORD: Final = re.compile(
    r"\b(?P<word>twice|doubled|tripled|quadrupled|halved|tenfold|ten-fold)\b", re.IGNORECASE
)
# "p99" not inside a word: the letter first (then a look back for the boundary \b would test),
# so that sre skips through the text to each "p".
_PERCENTILE: Final = re.compile(r"[pP](?<!\w[pP])(?P<pct>50|75|90|95|99|99\.9|99\.99|999)\b")
_SCORE_NAME: Final = re.compile(
    r"\b(?:nps|csat|ces|sus|rating|score)\b\s*(?:of|at|:|=)?\s*$", re.IGNORECASE
)
_NEXT_WORD: Final = re.compile(r"[ \t]+([A-Za-z][\w'-]*)")  # on the same line
_NOUN_REACH: Final = 3  # "1.3 million annual driver contacts": the noun may follow two adjectives
_YEAR: Final = re.compile(r"(?:19|20)\d{2}")
_TIME_UNITS: Final = {
    "ms": MetricKind.LATENCY, "milli": MetricKind.LATENCY, "µs": MetricKind.LATENCY,
    "micro": MetricKind.LATENCY, "ns": MetricKind.LATENCY, "nano": MetricKind.LATENCY,
    "s": MetricKind.LATENCY, "sec": MetricKind.LATENCY,
}  # fmt: skip
_DURATION_PREFIXES: Final = (
    "min",
    "h",
    "day",
    "week",
    "wk",
    "month",
    "mo",
    "quarter",
    "year",
    "yr",
)

# What figures are made of, for the learned tagger (`figure_tagger.py`) to look near.
NUMBER_WORDS: Final = frozenset(_LEXICON.number_words) | frozenset(_LEXICON.figure_number_words)
TIME_WORDS: Final = frozenset(
    {
        "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "h",
        "hr", "hrs", "hour", "hours", "day", "days", "d", "wk", "wks", "week", "weeks", "mo", "mos",
        "month", "months", "quarter", "quarters", "q", "year", "years", "yr", "yrs", "sprint",
        "sprints", "weekend", "weekends", "night", "nights", "decade", "decades",
    }
)  # fmt: skip

# Connecting words between two figures that make a before/after change.
_FORWARD_GAP: Final = re.compile(r"^\s*(?:to|->|→|⟶|=>|➝|➔|-->)\s*$", re.IGNORECASE)
# The change words are the lexicon's; each pattern matches them in the lexicon's order.
_REVERSE_GAP: Final = re.compile(
    rf"^\s*[,(]?\s*\(?\s*(?:(?:{alternation(_LEXICON.reverse_gap_changes)})\s+)?"
    r"(?:from|compared (?:to|with)|vs\.?|versus|previously"
    r"|was|from a baseline of|baseline(?: of)?|against|instead of|rather than|in place of)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)
_RELATIVE_LEAD: Final = CaselessPattern(
    rf"\b(?:{alternation(_LEXICON.relative_lead_verbs)})\s+(?:\w+\s+){{0,4}}?(?:by\s+)?$",
)
_RELATIVE_TAIL: Final = re.compile(
    rf"\s*(?:{alternation(_LEXICON.relative_tail_words)})\b", re.IGNORECASE
)
_PAIR_WORDS: Final = re.compile(r"\b(?:from|to|down|up)\b|->|→", re.IGNORECASE)
_DELTA_LEAD: Final = CaselessPattern(
    rf"\b(?:{alternation(_LEXICON.delta_lead_verbs)})\b(?:\s+[\w'-]+){{0,4}}?\s+by\s+$",
)
_TO_LEAD: Final = CaselessPattern(
    rf"\b(?:{alternation(_LEXICON.to_lead_verbs)})\b"
    r"(?:\s+[\w'-]+){0,4}?\s+(?:down\s+|up\s+)?to\s+$",
)
_FROM_BEFORE: Final = CaselessPattern(r"\bfrom\s+$")

# A rate told as "N in M" ("1 in 5 nights", "one in ten deploys"): one figure, not two numbers.
_IN_RATE: Final = re.compile(
    rf"\s+(?:in|out of|of)\s+(?P<of>{_NUMERIC}|\b{_NUMBER_WORD}\b)"
    r"(?:\s+(?P<noun>[A-Za-z][\w'-]*))?",
    re.IGNORECASE,
)
# Fractions: "about a third", "two thirds of", "half the alerts", "cut in half".
_FRACTION: Final = re.compile(
    rf"(?:(?P<approx>{_APPROX})\s*)?"
    r"\b(?:(?P<count>a|an|one|two|three|four)[\s-]+(?P<part>half|halves|thirds?|quarters?|fifths?"
    r"|tenths?)(?=\s+of\b)|(?<!first )(?<!econd )(?<!e last )(?<!e next )(?<! this )(?<!every )"
    r"(?P<half>half)"
    r"(?=\s+(?:the|of|our|its|their|a|an)\b)|(?<=in |by )(?P<cut>half)\b)",
    re.IGNORECASE,
)
_OF_GROUP: Final = re.compile(
    r"[ \t]+of[ \t]+(?:us|them|you|the|our|those|these|my|its|their|all)\b", re.IGNORECASE
)
_VERSION_AFTER: Final = re.compile(
    r"\.\d|[ \t]+(?:release|version|hotfix|update|build|patch|sdk|beta|rc)\b", re.IGNORECASE
)
_ORDINAL_BEFORE: Final = re.compile(
    r"(?:#|\b(?:decision|step|phase|option|yr|year|month|week|day|iphone|pixel|galaxy|android"
    r"|firmware|python|java|node|postgres|ios|v)\s?)$",
    re.IGNORECASE,
)
_FRACTION_OF: Final = re.compile(
    r"quarters?\s+of\s+(?:the|our|all|its|their|a|an|my|those|these)\b", re.IGNORECASE
)
_FRACTION_VALUES: Final = {
    "half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25,
    "quarters": 0.25, "fifth": 0.2, "fifths": 0.2, "tenth": 0.1, "tenths": 0.1,
}  # fmt: skip
# "a day earlier", "within a week", "in under an hour": one unit of time as an amount.
_ONE_UNIT: Final = re.compile(
    r"\b(?:(?P<lead>within|in|under|over|about|than|for|took|takes|take|only|just|in under"
    r"|in about|of|by|spent|spend|gave me|gave us|give us|at least|after|through|had|added|most of"
    r"|maybe|cost|costs|saved|lost|ate|eat|against|up to)"
    r"\s+)?(?P<amount>an?)\s+(?P<unit>minute|hour|day|week|month|quarter|year|sprint)"
    r"(?P<tail>\s+(?:earlier|later|sooner|faster|ahead|early|late|less|more|longer|shorter))?\b",
    re.IGNORECASE,
)
# A cadence that changed ("from daily to hourly", "weekly -> daily"): both ends are figures.
_CADENCES: Final = {
    "hourly": 24.0, "nightly": 1.0, "daily": 1.0, "weekly": 1 / 7, "biweekly": 1 / 14,
    "fortnightly": 1 / 14, "monthly": 1 / 30, "quarterly": 1 / 91, "yearly": 1 / 365,
    "annually": 1 / 365, "continuously": 1440.0, "never": 0.0,
}  # fmt: skip
CADENCE_WORDS: Final = frozenset(_CADENCES) - {"never", "continuously"}
_CADENCE_CHANGE: Final = re.compile(
    r"\b(?P<before>"
    + "|".join(_CADENCES)
    + r")\s*(?:to|->|→|=>)\s*(?P<after>"
    + "|".join(_CADENCES)
    + r"|on every \w+|per \w+)\b",
    re.IGNORECASE,
)
# A figure's change "to zero" / "-> none" ends on a word the number finder leaves alone.
_TO_NOTHING: Final = re.compile(
    r"\s*(?:to|->|→|=>)\s*(?P<word>zero|none|nothing|nil|0)\b", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class Change:
    """A before/after pair, or a relative change leading to an after value."""

    start: int
    end: int
    before: Figure | None
    after: Figure | None
    relative: Figure | None


def _number_value(text: str) -> float | None:
    words = text.lower().replace("-", " ").split()
    if not words:
        return None
    total, current = 0.0, 0.0
    for word in words:
        value = _WORD_VALUES.get(word)
        if value is None:
            return None
        if word in ("hundred", "hundreds", "dozen"):
            current = (current or 1) * value
        elif value >= 1_000:
            total += (current or 1) * value
            current = 0.0
        elif word == "a":
            current = current or 1
        else:
            current += value
    return total + current


def _kind(unit: str | None, has_currency: bool, rate: bool, denom: bool) -> MetricKind:
    if has_currency:
        return MetricKind.MONEY
    if denom:
        return MetricKind.SCORE
    if rate:
        return MetricKind.RATE
    if not unit:
        return MetricKind.NUMBER
    u = unit.lower()
    if u.startswith(("%", "percent", "pp", "bps", "basis")):
        return MetricKind.PERCENT
    if u in ("x", "×") or u.endswith("fold"):
        return MetricKind.RATIO
    if u.startswith(("rps", "qps", "tps", "req")):
        return MetricKind.RATE
    for prefix, kind in _TIME_UNITS.items():
        if u.startswith(prefix):
            return kind
    if u.startswith(_DURATION_PREFIXES):
        return MetricKind.DURATION
    if u.startswith(("point", "pts", "star")):
        return MetricKind.SCORE
    return MetricKind.NUMBER


def _previous_word(notes: str, at: int, floor: int) -> str:
    end = at
    while end > floor and notes[end - 1] in " \t":
        end -= 1
    start = end
    while start > floor and (notes[start - 1].isalnum() or notes[start - 1] in "_"):
        start -= 1
    return notes[start:end].lower()


class Candidates(NamedTuple):
    """Where figures could start in a text: found once, then shared by every span of it."""

    starts: list[int]  # a number's first digit, a currency sign or code, a number word (sorted)
    ratio_words: list[int]  # "doubled", "halved", "ten-fold"...

    @classmethod
    def find(
        cls, notes: str, start: int, end: int, words: Iterable[tuple[int, str]] | None = None
    ) -> Candidates:
        """Candidates in `notes[start:end]`; `words` are its lower-cased words with their starts,
        if the caller has them already."""
        if words is None:
            words = [
                (m.start(), m.group().lower()) for m in _WORD_CANDIDATE.finditer(notes, start, end)
            ]
        digit_or_currency = _ASCII_DIGIT_OR_DOLLAR if notes.isascii() else _DIGIT_OR_CURRENCY
        starts = [
            at
            for at in (m.start() for m in digit_or_currency.finditer(notes, start, end))
            if at == start or not _inside_number(notes, at)
        ]
        starts += [m.start() for m in _CURRENCY_CODE.finditer(notes, start, end)]
        ratio_words: list[int] = []
        for at, word in words:
            if word not in _TRIGGER_WORDS and "-" not in word:
                continue  # most words: one set lookup
            head = _head(word)
            if head in _CANDIDATE_WORDS:
                starts.append(at)
            if word in _RATIO_WORDS or head in _RATIO_WORDS:
                ratio_words.append(at)
        starts.sort()
        return cls(starts, ratio_words)

    def within(self, start: int, end: int) -> Candidates:
        """The candidates inside [start, end)."""
        return Candidates(_slice(self.starts, start, end), _slice(self.ratio_words, start, end))


def _slice(positions: list[int], start: int, end: int) -> list[int]:
    return positions[bisect_left(positions, start) : bisect_left(positions, end)]


def find_figures(
    notes: str,
    start: int,
    end: int,
    *,
    count_nouns: frozenset[str],
    not_figure_after: frozenset[str],
    candidates: Candidates | None = None,
) -> list[Figure]:
    """Every figure in `notes[start:end]`, spans into `notes`, in order.

    `candidates` are the text's candidates (`Candidates.find`), if the caller has them already.
    """
    found = Candidates.find(notes, start, end) if candidates is None else candidates
    found = found.within(start, end)
    figures: list[Figure] = []
    consumed = start
    for pos in found.starts:
        if pos < consumed:
            continue
        match = _QUANTITY.match(notes, pos, end)
        if match is None:
            continue
        lead = _APPROX_BEFORE.search(notes, max(start, pos - 24), pos)
        approx_start = lead.start() if lead else None
        figure = _figure(notes, match, approx_start, start, end, count_nouns, not_figure_after)
        if figure is None and not match["unit"] and not match["cur"]:
            figure = _in_rate(notes, match, approx_start, end)
        elif figure is not None and figure.kind is MetricKind.NUMBER:
            figure = _in_rate(notes, match, approx_start, end) or figure
        if figure is not None:
            figures.append(figure)
            consumed = figure.end
    figures = _worded_figures(notes, start, end, figures)
    # A bare number (no unit, noun or currency) is a figure only as one end of a change ("from
    # 14 to 1"): alone it is a list number, a version or a name, and no question fits it.
    figures = [
        figure
        for i, figure in enumerate(figures)
        if not _bare(figure) or _in_change(notes, figures, i)
    ]
    if found.ratio_words:
        figures.extend(
            Figure(text=m.group(), start=m.start(), end=m.end(), kind=MetricKind.RATIO,
                   value=0.5 if m["word"].lower() == "halved" else None)
            for m in _RATIO_WORD.finditer(notes, start, end)
        )  # fmt: skip
        figures.sort(key=lambda f: f.start)
    return _attach_percentiles(notes, figures, start, end)


def _in_rate(notes: str, match: re.Match[str], approx_start: int | None, end: int) -> Figure | None:
    """ "1 in 5 nights": the number, "in" and the base it is counted in, as one rate."""
    tail = _IN_RATE.match(notes, match.end(), end)
    if tail is None:
        return None
    share = _number_value(match["word"]) if match["word"] else float(match["num"].replace(",", ""))
    base_text = tail["of"].replace(",", "")
    if _YEAR.fullmatch(base_text):
        return None  # "17 in 2020": a count in a year, not a rate
    base = _number_value(base_text) if not base_text[:1].isdigit() else float(base_text)
    if (not share and share != 0) or not base:
        return None
    noun_end = (
        tail.end("noun")
        if tail["noun"] and tail["noun"].lower() not in _STOP_NOUNS
        else (tail.end("of"))
    )
    begin = approx_start if approx_start is not None else match.start()
    return Figure(
        text=notes[begin:noun_end],
        start=begin,
        end=noun_end,
        kind=MetricKind.RATE,
        value=(share or 0.0) / base,
        noun=tail["noun"].lower() if tail["noun"] else None,
        approximate=approx_start is not None,
    )


_STOP_NOUNS: Final = frozenset({"the", "a", "an", "and", "or", "of", "to", "for", "at", "on", "in"})


def _worded_figures(notes: str, start: int, end: int, figures: list[Figure]) -> list[Figure]:
    """Figures told in words the number finder does not read: fractions, one unit of time,
    cadences that changed, and a change that ends at zero."""
    taken = [(f.start, f.end) for f in figures]

    def free(begin: int, finish: int) -> bool:
        return all(finish <= s or begin >= e for s, e in taken)

    extra: list[Figure] = []
    lowered = notes[start:end].lower()
    if (
        "half" in lowered
        or "third" in lowered
        or "quarter" in lowered
        or "fifth" in lowered
        or ("tenth" in lowered)
    ):
        for m in _FRACTION.finditer(notes, start, end):
            part = (m["part"] or m["half"] or m["cut"]).lower()
            count = _number_value(m["count"]) if m["count"] else 1.0
            value = 100 * (count or 1.0) * _FRACTION_VALUES[part]
            if free(m.start(), m.end()):
                extra.append(
                    Figure(text=m.group(), start=m.start(), end=m.end(), kind=MetricKind.PERCENT,
                           value=round(value, 2), unit="%", approximate=bool(m["approx"]))
                )  # fmt: skip
    if " a " in lowered or " an " in lowered or lowered.startswith(("a ", "an ")):
        for m in _ONE_UNIT.finditer(notes, start, end):
            if not (m["lead"] or m["tail"]):
                continue  # "a day in the life" is no amount of time
            begin, finish = m.start("amount"), m.end("unit")
            if free(begin, finish):
                extra.append(
                    Figure(text=notes[begin:finish], start=begin, end=finish,
                           kind=MetricKind.DURATION, value=1.0, unit=m["unit"].lower())
                )  # fmt: skip
    for m in _CADENCE_CHANGE.finditer(notes, start, end):
        for name in ("before", "after"):
            begin, finish = m.start(name), m.end(name)
            if free(begin, finish):
                word = m[name].lower()
                extra.append(
                    Figure(text=notes[begin:finish], start=begin, end=finish, kind=MetricKind.RATE,
                           value=_CADENCES.get(word), unit="per day")
                )  # fmt: skip
    for figure in figures:
        ending = _TO_NOTHING.match(notes, figure.end, end)
        if ending and free(ending.start("word"), ending.end("word")):
            m = ending
            extra.append(
                Figure(text=m["word"], start=m.start("word"), end=m.end("word"),
                       kind=figure.kind, value=0.0, unit=figure.unit, noun=figure.noun)
            )  # fmt: skip
    if not extra:
        return figures
    return sorted([*figures, *extra], key=lambda f: f.start)


_LABEL_LEAD: Final = re.compile(
    rf"[pP]\d+(?:\.\d+)?\b[^\d$€£~<>]*?(?=[\d$€£~<>]|(?:{_APPROX}))", re.IGNORECASE
)
_APPROX_LEAD: Final = re.compile(rf"(?:(?:{_APPROX})\s*)+", re.IGNORECASE)


def qualified_spans(figure: Figure) -> set[tuple[int, int]]:
    """The figure's span, and the same without its percentile label and without its leading
    qualifier ("p99 under 20ms", "under 20ms", "20ms"): labellers differ on those words."""
    spans = {(figure.start, figure.end)}
    offset = 0
    for lead in (_LABEL_LEAD, _APPROX_LEAD):
        found = lead.match(figure.text, offset)
        if found and found.end() < len(figure.text):
            offset = found.end()
            spans.add((figure.start + offset, figure.end))
    return spans


def is_bare_number(text: str) -> bool:
    """Whether a figure's words are digits and nothing else ("5", "1,200")."""
    return bool(text) and all(c.isdigit() or c in ",." for c in text)


def _bare(figure: Figure) -> bool:
    """A number and nothing else: no unit, noun, currency, multiplier or approximation."""
    return (
        figure.kind is MetricKind.NUMBER
        and figure.unit is None
        and not figure.approximate
        and is_bare_number(figure.text)
    )


def _in_change(notes: str, figures: list[Figure], index: int) -> bool:
    """Whether a figure is one end of a before/after change or the size of one."""
    figure = figures[index]
    for other in (figures[index - 1] if index else None, figures[index + 1 : index + 2]):
        neighbour = other[0] if isinstance(other, list) and other else other
        if not isinstance(neighbour, Figure):
            continue
        first, second = (
            (neighbour, figure) if neighbour.start < figure.start else (figure, neighbour)
        )
        gap = notes[first.end : second.start]
        if _FORWARD_GAP.match(gap) or _REVERSE_GAP.match(gap):
            return True
    lead = notes[max(0, figure.start - 60) : figure.start]
    lowered = lead.lower()
    return bool(_TO_LEAD.search(lead, lowered) or _DELTA_LEAD.search(lead, lowered))


def _head(word: str) -> str:
    """The part of a hyphenated word before its first hyphen ("twenty-five" -> "twenty")."""
    return word if "-" not in word else word[: word.index("-")]


def _inside_number(notes: str, pos: int) -> bool:
    """Whether `pos` continues a number that started earlier ("250,000", "4.2")."""
    before = notes[pos - 1]
    return before.isdigit() or (before in ".," and pos > 1 and notes[pos - 2].isdigit())


def _figure(
    notes: str,
    match: re.Match[str],
    approx_start: int | None,
    floor: int,
    end: int,
    count_nouns: frozenset[str],
    not_figure_after: frozenset[str],
) -> Figure | None:
    number_start = match.start("num") if match["num"] else match.start("word")
    head = match.start("cur") if match["cur"] else number_start
    # A number glued to letters is a name (OAuth2, Log4j, EC2, CVE-2021-44228, N+1), not a figure.
    before = notes[head - 1] if head > floor else " "
    if (
        before.isalnum()
        or before in "_./"
        or (before in "-+" and head - 2 >= floor and notes[head - 2].isalpha())
        or (before == "-" and head - 2 >= floor and notes[head - 2].isdigit())
    ):
        return None
    after_end = match.end()
    # A bare number hyphenated to a word names a kind of thing ("a 2-pager", "3-tier", "2-phase
    # commit"); with a unit ("5-minute") or a count noun ("a 6-engineer team") it is a figure.
    hyphen_noun: re.Match[str] | None = None
    if notes[after_end : after_end + 1] == "-" and not (
        match["unit"] or match["mult"] or match["cur"]
    ):
        hyphen_noun = _WORD_CANDIDATE.match(notes, after_end + 1, end)
        word = hyphen_noun.group().lower() if hyphen_noun else ""
        if hyphen_noun and not {word, word + "s"} & count_nouns:
            return None
    if match["unit"] and _FRACTION_OF.match(notes, match.start("unit"), end):
        return None  # "three quarters of the teams" is a fraction (`_worded_figures`)
    if notes[after_end : after_end + 1] == ":" and notes[after_end + 1 : after_end + 2].isdigit():
        return None  # a time of day ("10:30")
    glued_after = after_end < end and (notes[after_end].isalnum() or notes[after_end] == "_")
    if glued_after and not match["unit"] and not match["mult"]:
        return None
    if _previous_word(notes, head if approx_start is None else approx_start, floor) in (
        not_figure_after
    ) and not (match["unit"] or match["cur"]):
        return None
    if match["num"] and not match["unit"] and _VERSION_AFTER.match(notes, after_end, end):
        return None  # "firmware 3.8.1", "the 4.2 release": a version, not an amount
    if _ORDINAL_BEFORE.search(notes, max(floor, head - 12), head) and not match["unit"]:
        return None  # "#1 complaint", "Decision 2:", "yr 2", "iPhone 8"
    if match["num"]:
        raw = match["num"].replace(",", "")
        if ":" in notes[max(floor, number_start - 1) : number_start] and not match["unit"]:
            return None
        try:
            value: float | None = float(raw)
        except ValueError:
            value = None
        if match["mult"] and value is not None:
            value *= _MULTIPLIERS.get(match["mult"].lower(), 1.0)
        is_bare = not (match["unit"] or match["cur"] or match["mult"] or match["denom"])
        if is_bare and _YEAR.fullmatch(raw):
            return None
    else:
        value = _number_value(match["word"])
    unit = match["unit"]
    has_currency = bool(match["cur"])
    rate = bool(match["rate"])
    kind = _kind(unit, has_currency, rate, bool(match["denom"]))
    fig_start = head if approx_start is None else approx_start
    fig_end = match.end()
    approximate = bool(approx_start is not None or match["plus"] or match["ish"] or match["num2"])
    noun: str | None = None
    if hyphen_noun is not None and kind is MetricKind.NUMBER:
        # "a 6-engineer team": the count and its noun are one word.
        noun, fig_end, kind = hyphen_noun.group().lower(), hyphen_noun.end(), MetricKind.COUNT
    elif kind in (MetricKind.NUMBER, MetricKind.RATE) and not has_currency:
        # "one site", "one now owns": the word "one" counts only a rubric count noun.
        noun_end = _count_noun(
            notes,
            fig_end,
            end,
            count_nouns,
            generic=value != 1 or not match["word"],
            singular=value == 1 and not match["word"],
        )
        of_group = noun_end is None and value != 1 and bool(_OF_GROUP.match(notes, fig_end, end))
        if of_group:
            kind = MetricKind.COUNT  # "three of us", "two of the mobile engineers"
        elif noun_end is not None:
            noun, fig_end = noun_end
            tail = _RATE_TAIL_AFTER_NOUN.match(notes, fig_end, end)
            if tail:
                fig_end = tail.end()
                kind = MetricKind.RATE
            elif kind is MetricKind.NUMBER:
                kind = MetricKind.COUNT
        elif match["word"] and not rate and not of_group:
            return None  # a number word with no unit or noun is ordinary prose ("one of")
        elif kind is MetricKind.NUMBER and _SCORE_NAME.search(
            notes, max(floor, fig_start - 12), fig_start
        ):
            kind = MetricKind.SCORE
    elif match["word"] and not unit and not has_currency:
        return None
    if match["word"] and kind is MetricKind.NUMBER:
        return None
    return Figure(
        text=notes[fig_start:fig_end],
        start=fig_start,
        end=fig_end,
        kind=kind,
        value=value,
        unit=(unit.strip() if unit else ("$" if has_currency else None)),
        noun=noun,
        approximate=approximate,
    )


def _count_noun(
    notes: str,
    pos: int,
    end: int,
    count_nouns: frozenset[str],
    *,
    generic: bool = True,
    singular: bool = False,
) -> tuple[str, int] | None:
    """The noun a number counts, within the next few words, and where it ends.

    A rubric count noun, or any plural-looking word ("12 critical queries", "five languages",
    "3 charge nurses"; after "1", a singular one: "1 vendor"), with one more plural word joined
    to it ("five team leads", "three business units").
    """
    for _ in range(_NOUN_REACH):
        word = _NEXT_WORD.match(notes, pos, end)
        if word is None:
            return None
        pos = word.end()
        lowered = word.group(1).lower()
        if (
            lowered in count_nouns
            or (generic and _plural(lowered))
            or (singular and _nounish(lowered))
        ):
            following = _NEXT_WORD.match(notes, pos, end)
            if following and _plural(following.group(1).lower()):
                return following.group(1).lower(), following.end()
            return lowered, pos
        if lowered in _STOP_NOUNS or lowered in _NOT_NOUNS:
            return None  # "one of the teams", "1 in 5 nights": the noun belongs to another phrase
    return None


# Words ending in "s" that are no plural noun, and words that end a count's reach.
_NOT_NOUNS: Final = frozenset(
    {
        "was", "has", "is", "does", "goes", "says", "gets", "makes", "takes", "this", "its",
        "his", "us", "as", "plus", "thus", "less", "across", "always", "sometimes", "perhaps",
        "unless", "yes", "whereas", "besides", "towards", "afterwards", "hers", "ours", "theirs",
        "yours", "per", "with", "from", "by", "into", "than", "were", "are", "be", "been", "had",
        "have", "will", "would", "can", "could", "should", "may", "might", "must", "did", "do",
        "not", "no", "each", "every", "which", "that", "who", "where", "when",
        "while", "after", "before", "since", "until", "during", "over", "under", "about", "via",
    }
)  # fmt: skip


def _plural(word: str) -> bool:
    """Whether a word looks like a plural noun ("engineers", "svcs", "BUs")."""
    return (
        len(word) >= 3
        and word.endswith("s")
        and not word.endswith(("ss", "'s", "us", "is"))
        and word.replace("-", "").isalpha()
        and word not in _NOT_NOUNS
    )


def _nounish(word: str) -> bool:
    """Whether a word could be a singular noun after "1" ("1 vendor", "1 region")."""
    return (
        len(word) >= 3
        and word.replace("-", "").isalpha()
        and word not in _NOT_NOUNS
        and word not in _STOP_NOUNS
        and not word.endswith(("ed", "ing", "ly"))
    )


def _attach_percentiles(notes: str, figures: list[Figure], start: int, end: int) -> list[Figure]:
    """Join "p99" to the latency that follows it ("p99 850ms", "P95 response time: 380ms")."""
    if not figures:
        return figures
    result = list(figures)
    for label in _PERCENTILE.finditer(notes, start, end):
        for i, figure in enumerate(result):
            near = label.end() <= figure.start <= label.end() + 30
            joined = near and not _PAIR_WORDS.search(notes, label.end(), figure.start)
            if joined and figure.kind in (MetricKind.LATENCY, MetricKind.DURATION):
                result[i] = figure.model_copy(
                    update={
                        "text": notes[label.start() : figure.end],
                        "start": label.start(),
                        "kind": MetricKind.PERCENTILE,
                        "unit": figure.unit,
                    }
                )
                break
    return result


def _compatible(before: Figure, after: Figure) -> bool:
    time_kinds = {MetricKind.LATENCY, MetricKind.DURATION, MetricKind.PERCENTILE}
    if before.kind is MetricKind.NUMBER or after.kind is MetricKind.NUMBER:
        return True
    if before.kind in time_kinds and after.kind in time_kinds:
        return True
    return before.kind is after.kind or {before.kind, after.kind} <= {
        MetricKind.COUNT,
        MetricKind.RATE,
    }


def same_quantity(first: Figure, second: Figure) -> bool:
    """Whether two figures state the same quantity ("850 ms" and "850ms", "$4.2M", "$4,200,000")."""
    if first.value is None or second.value is None:
        return first.text.lower() == second.text.lower()
    scale = max(abs(first.value), abs(second.value), 1e-9)
    return abs(first.value - second.value) / scale < 1e-6 and _compatible(first, second)


def pair_changes(notes: str, figures: list[Figure]) -> list[Change]:
    """Before/after pairs among figures: "from X to Y", "Y (down from X)", "down 38% to Y"."""
    changes: list[Change] = []
    used: set[int] = set()
    for i in range(len(figures) - 1):
        if i in used:
            continue
        first, second = figures[i], figures[i + 1]
        gap = notes[first.end : second.start]
        lead = notes[max(0, first.start - 60) : first.start]
        lowered = lead.lower()
        forward = _FORWARD_GAP.match(gap)
        from_word = _FROM_BEFORE.search(lead, lowered)
        relative_lead = _RELATIVE_LEAD.search(lead, lowered)
        if (
            forward
            and first.kind is MetricKind.PERCENT
            and relative_lead
            and not from_word
            and (second.kind is not MetricKind.PERCENT)
        ):
            # "down 38% to $5.6M": a relative change that lands on an after value
            begin = first.start - (len(lead) - relative_lead.start())
            changes.append(Change(begin, second.end, None, second, first))
            used.update((i, i + 1))
            continue
        if forward and _compatible(first, second):
            is_range = (
                from_word is None
                and first.unit is None
                and second.unit is not None
                and first.value is not None
                and second.value is not None
                and first.value < second.value
            )
            if not is_range:
                begin = first.start - (len(lead) - from_word.start()) if from_word else first.start
                changes.append(Change(begin, second.end, first, second, None))
                used.update((i, i + 1))
        elif _REVERSE_GAP.match(gap) and _compatible(second, first):
            close = second.end + 1 if notes[second.end : second.end + 1] == ")" else second.end
            changes.append(Change(first.start, close, second, first, None))
            used.update((i, i + 1))
    for i, figure in enumerate(figures):
        if i in used:
            continue
        lead = notes[max(0, figure.start - 60) : figure.start]
        lowered = lead.lower()
        if _TO_LEAD.search(lead, lowered):
            # "cut p99 to 620ms": the value after a change whose start is not given.
            changes.append(Change(figure.start, figure.end, None, figure, None))
            continue
        if figure.kind is MetricKind.PERCENT:
            is_change = bool(
                _RELATIVE_LEAD.search(lead, lowered) or _RELATIVE_TAIL.match(notes, figure.end)
            )
        else:
            # "cut spend by $3.1M", "sped up builds by 4 minutes": a change of known size.
            is_change = bool(_DELTA_LEAD.search(lead, lowered))
        if is_change:
            changes.append(Change(figure.start, figure.end, None, None, figure))
    changes.sort(key=lambda c: c.start)
    return changes


_SPAN_NUMBER: Final = re.compile(
    rf"{_NUMERIC}|\b(?:{_NUMBER_WORD})\b|\b(?P<part>half|thirds?|quarters?)\b"
    r"|\b(?:an?|couple|few|several)\b",
    re.IGNORECASE,
)
_SPAN_WORD: Final = re.compile(r"[^\W\d_][\w'-]*")


def figure_from_span(notes: str, start: int, end: int) -> Figure | None:
    """A figure for a span the finder did not read ("handled 5 solo", "weekly", "a full
    quarter"): its number, unit of time or cadence, and the noun it counts, read from the span."""
    text = notes[start:end]
    lowered = text.lower()
    cadence = next((w for w in _SPAN_WORD.findall(lowered) if w in CADENCE_WORDS), None)
    if cadence is not None:
        return Figure(text=text, start=start, end=end, kind=MetricKind.RATE,
                      value=_CADENCES[cadence], unit="per day")  # fmt: skip
    number = _SPAN_NUMBER.search(text)
    if number is None:
        return None
    if number["part"] and not _SPAN_WORD.findall(text[number.end() :]):
        share = 100 * _FRACTION_VALUES[number["part"].lower()]
        return Figure(
            text=text,
            start=start,
            end=end,
            kind=MetricKind.PERCENT,
            value=round(share, 2),
            unit="%",
            approximate=bool(_APPROX_LEAD.match(text)),
        )
    match = _QUANTITY.match(text, number.start())
    value: float | None = None
    unit: str | None = None
    if match is not None and match["num"]:
        value = float(match["num"].replace(",", ""))
        if match["mult"]:
            value *= _MULTIPLIERS.get(match["mult"].lower(), 1.0)
        unit = match["unit"]
    elif match is not None and match["word"]:
        value, unit = _number_value(match["word"]), match["unit"]
    elif number.group().lower() in ("a", "an"):
        value = 1.0
    words: list[str] = _SPAN_WORD.findall(text[number.end() :])
    timed = next((w for w in words if w.lower() in TIME_WORDS), None)
    has_currency = any(sign in text for sign in "$€£")
    per_time = timed is not None and re.search(
        rf"(?:/|\b(?:per|a|an|each|every)\s+){re.escape(timed)}\b", text, re.IGNORECASE
    )
    kind = _kind(unit or timed, has_currency, bool(per_time), False)
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
        approximate=bool(_APPROX_LEAD.match(text)),
    )

"""The words of figures: number words and what they are worth, units, approximators, cadences,
the patterns built from them, and the reading of the words around a number (its kind, its noun)."""

from __future__ import annotations

import re
from typing import Final

from coach.lexicon import load_lexicon
from coach.models import MetricKind

LEXICON: Final = load_lexicon()
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
MULTIPLIERS: Final = {
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
    r"|req/s|requests?/s(?:ec)?|[KMGTP]i?B|vCPUs?|cores?|points?|pts|stars?"
    # Hardware and media units ("100 Hz", "~9 µA", "50°C", "4096px", "256-bit", "48MP"); a
    # one-letter one only glued to its number ("24V", "2.1A").
    r"|[kMG]?Hz|[µum]A|mAh|[mk]V|[kMm]W|°[CF]|px|MP|bits?|(?<=\d)[AVW])\b"
)
_RATE_TAIL: Final = (
    r"(?:\s*/\s*(?:s|sec|second|min|minute|hr|hour|day|wk|week|mo|month|qtr|quarter|yr|year)\b"
    r"|\s+(?:per|a|each|every)\s+(?:second|minute|hour|day|week|month|quarter|year|annum|sec|min)\b)"
)
_NUMERIC: Final = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
# A quantity, matched where a candidate number starts (approximators are looked for before it).
QUANTITY: Final = re.compile(
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
COUNTED_UNITS: Final = ("core", "vcpu", "star", "point", "pt")  # "40 core screens"
RATE_TAIL_AFTER_NOUN: Final = re.compile(_RATE_TAIL, re.IGNORECASE)  # "40 deploys a day"
APPROX_BEFORE: Final = re.compile(rf"(?:{_APPROX})\s*$", re.IGNORECASE)
CURRENCY_CODE: Final = re.compile(r"(?:USD|EUR|GBP)(?=\s?\d)")
WORD_CANDIDATE: Final = re.compile(r"[A-Za-z]+")
CANDIDATE_WORDS: Final = frozenset(_WORD_VALUES) | {"half"}
RATIO_WORDS: Final = frozenset(
    {"twice", "doubled", "tripled", "quadrupled", "halved", "tenfold", "fold"}
)
RATIO_WORD: Final = re.compile(
    r"\b(?P<word>twice|doubled|tripled|quadrupled|halved|tenfold|ten-fold)\b", re.IGNORECASE
)
# "p99" not inside a word: the letter first (then a look back for the boundary \b would test),
# so that sre skips through the text to each "p".
PERCENTILE: Final = re.compile(r"[pP](?<!\w[pP])(?P<pct>50|75|90|95|99|99\.9|99\.99|999)\b")
SCORE_NAME: Final = re.compile(
    r"\b(?:nps|csat|ces|sus|rating|score)\b\s*(?:of|at|:|=)?\s*$", re.IGNORECASE
)
_NEXT_WORD: Final = re.compile(r"[ \t]+([A-Za-z][\w'-]*)")  # on the same line
_NOUN_REACH: Final = 3  # "1.3 million annual driver contacts": the noun may follow two adjectives
YEAR: Final = re.compile(r"(?:19|20)\d{2}")
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
NUMBER_WORDS: Final = frozenset(LEXICON.number_words) | frozenset(LEXICON.figure_number_words)
TIME_WORDS: Final = frozenset(
    {
        "ms", "s", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes", "h",
        "hr", "hrs", "hour", "hours", "day", "days", "d", "wk", "wks", "week", "weeks", "mo", "mos",
        "month", "months", "quarter", "quarters", "q", "year", "years", "yr", "yrs", "sprint",
        "sprints", "weekend", "weekends", "night", "nights", "decade", "decades",
    }
)  # fmt: skip
PAIR_WORDS: Final = re.compile(r"\b(?:from|to|down|up)\b|->|→", re.IGNORECASE)
# A rate told as "N in M" ("1 in 5 nights", "one in ten deploys"): one figure, not two numbers.
IN_RATE: Final = re.compile(
    rf"\s+(?:in|out of|of)\s+(?P<of>{_NUMERIC}|\b{_NUMBER_WORD}\b)"
    r"(?:\s+(?P<noun>[A-Za-z][\w'-]*))?",
    re.IGNORECASE,
)
# Fractions: "about a third", "two thirds of", "half the alerts", "cut in half".
FRACTION: Final = re.compile(
    rf"(?:(?P<approx>{_APPROX})\s*)?"
    r"\b(?:(?P<count>a|an|one|two|three|four)[\s-]+(?P<part>half|halves|thirds?|quarters?|fifths?"
    r"|tenths?)(?=\s+of\b)|(?<!first )(?<!econd )(?<!e last )(?<!e next )(?<! this )(?<!every )"
    r"(?P<half>half)"
    r"(?=\s+(?:the|of|our|its|their|a|an)\b)|(?<=in |by )(?P<cut>half)\b)",
    re.IGNORECASE,
)
OF_GROUP: Final = re.compile(
    r"[ \t]+of[ \t]+(?:us|them|you|the|our|those|these|my|its|their|all)\b", re.IGNORECASE
)
VERSION_AFTER: Final = re.compile(
    r"\.\d|[ \t]+(?:release|version|hotfix|update|build|patch|sdk|beta|rc)\b", re.IGNORECASE
)
ORDINAL_BEFORE: Final = re.compile(
    r"(?:#|\b(?:decision|step|phase|option|number|yr|year|month|week|day|iphone|pixel|galaxy"
    r"|android|firmware|python|java|node|postgres|ios|v)\s?)$",
    re.IGNORECASE,
)
FRACTION_OF: Final = re.compile(
    r"quarters?\s+of\s+(?:the|our|all|its|their|a|an|my|those|these)\b", re.IGNORECASE
)
FRACTION_VALUES: Final = {
    "half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25,
    "quarters": 0.25, "fifth": 0.2, "fifths": 0.2, "tenth": 0.1, "tenths": 0.1,
}  # fmt: skip
# "a day earlier", "spent a quarter on it", "one sprint", "a full day": one unit of time as an
# amount (grouped CV corpus: 225 such phrases labelled as figures, 8 not). Not a compound
# ("a year-2 item"), an idiom ("a day in the life") or the base of a rate ("3 hours a night").
ONE_UNIT: Final = re.compile(
    r"(?<![\w-])(?P<amount>(?P<half>half\s+)?(?:an?|one))\s+(?:(?:full|whole|single|entire)\s+)?"
    r"(?P<unit>minute|hour|day|night|week|weekend|month|quarter|season|year|decade|sprint|wk|yr)"
    r"(?![\w-])(?P<plus>\+)?(?P<and_half>\s+and\s+a\s+half\b)?(?!\s+in\s+the\s+life)"
    r"(?P<per>\s+(?:a|an|per|each|every)\s+(?:day|week|month|quarter|year|sprint)\b)?",
    re.IGNORECASE,
)
# Before the base of a rate: a number or unit, a counted plural ("20 A/B tests a quarter"), or
# "once", "times", "per"; "in" may stand between ("3 times in a week").
RATE_BASE_BEFORE: Final = re.compile(
    r"(?:\d\s*[a-zA-Z%]*|\b(?:once|twice|per|each|every)|\d[\w ,/'-]{0,40}[a-z][^s\W]s)\s+$"
    r"|\btimes\s+(?:in\s+)?$",
    re.IGNORECASE,
)
# "2 to 4 seconds", "three to six weeks": the low end of a range, with no unit of its own.
RANGE_LOW: Final = re.compile(
    rf"(?<![\w.,])(?P<low>{_NUMERIC}|{_NUMBER_WORD})(?P<mult>\s?[kKmM])?\s+to\s+$", re.IGNORECASE
)
RANGE_FROM: Final = re.compile(r"\b(?:from|between)\s+$", re.IGNORECASE)  # then it is a change
# "3 hours 40 minutes", "4m 30s", "2 h 25 m": one duration told in two units.
_HOURS: Final = r"h|hrs?|hours?"
_MINUTES: Final = r"m|mins?|minutes?"
COMPOUND_DURATION: Final = re.compile(
    rf"(?<![\w.])(?P<big>\d+)\s?(?P<unit>d|days?|{_HOURS}|{_MINUTES})\s+(?P<small>\d+)\s?"
    rf"(?P<small_unit>{_HOURS}|{_MINUTES}|s|secs?|seconds?)\b",
    re.IGNORECASE,
)
# The unit that may follow each in a compound duration: days then hours, hours then minutes...
NEXT_UNIT: Final = (("d", r"h"), ("h", r"m(?!s)"), ("m", r"s"))
STATUS_CODES: Final = re.compile(r"[45]\d\ds")  # "429s", "502s": HTTP errors, not seconds
LONE_NUMBER: Final = re.compile(rf"\d+|{_NUMBER_WORD}", re.IGNORECASE)
# A cadence that changed ("from daily to hourly", "weekly -> daily"): both ends are figures.
CADENCES: Final = {
    "hourly": 24.0, "nightly": 1.0, "daily": 1.0, "weekly": 1 / 7, "biweekly": 1 / 14,
    "fortnightly": 1 / 14, "monthly": 1 / 30, "quarterly": 1 / 91, "yearly": 1 / 365,
    "annually": 1 / 365, "continuously": 1440.0, "never": 0.0,
}  # fmt: skip
CADENCE_WORDS: Final = frozenset(CADENCES) - {"never", "continuously"}
CADENCE_CHANGE: Final = re.compile(
    r"\b(?P<before>"
    + "|".join(CADENCES)
    + r")\s*(?:to|->|→|=>)\s*(?P<after>"
    + "|".join(CADENCES)
    + r"|on every \w+|per \w+)\b",
    re.IGNORECASE,
)
# A figure's change "to zero" / "-> none" ends on a word the number finder leaves alone.
TO_NOTHING: Final = re.compile(
    r"\s*(?:to|->|→|=>)\s*(?P<word>zero|none|nothing|nil|0)\b", re.IGNORECASE
)


def number_value(text: str) -> float | None:
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


def is_bare_number(text: str) -> bool:
    """Whether a figure's words are digits and nothing else ("5", "1,200")."""
    return bool(text) and all(c.isdigit() or c in ",." for c in text)


def metric_kind(unit: str | None, has_currency: bool, rate: bool, denom: bool) -> MetricKind:
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


def previous_word(notes: str, at: int, floor: int) -> str:
    end = at
    while end > floor and notes[end - 1] in " \t":
        end -= 1
    start = end
    while start > floor and (notes[start - 1].isalnum() or notes[start - 1] in "_"):
        start -= 1
    return notes[start:end].lower()


STOP_NOUNS: Final = frozenset({"the", "a", "an", "and", "or", "of", "to", "for", "at", "on", "in"})
LABEL_LEAD: Final = re.compile(
    rf"[pP]\d+(?:\.\d+)?\b[^\d$€£~<>]*?(?=[\d$€£~<>]|(?:{_APPROX}))", re.IGNORECASE
)
APPROX_LEAD: Final = re.compile(rf"(?:(?:{_APPROX})\s*)+", re.IGNORECASE)


def word_head(word: str) -> str:
    """The part of a hyphenated word before its first hyphen ("twenty-five" -> "twenty")."""
    return word if "-" not in word else word[: word.index("-")]


def inside_number(notes: str, pos: int) -> bool:
    """Whether `pos` continues a number that started earlier ("250,000", "4.2")."""
    before = notes[pos - 1]
    return before.isdigit() or (before in ".," and pos > 1 and notes[pos - 2].isdigit())


def count_noun(
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
        if lowered in STOP_NOUNS or lowered in _NOT_NOUNS:
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
        "through", "within", "without", "against", "around", "between", "among",
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
        and word not in STOP_NOUNS
        and not word.endswith(("ed", "ing", "ly"))
    )


SPAN_NUMBER: Final = re.compile(
    rf"{_NUMERIC}|\b(?:{_NUMBER_WORD})\b|\b(?P<part>half|thirds?|quarters?)\b"
    r"|\b(?:an?|couple|few|several)\b",
    re.IGNORECASE,
)
SPAN_WORD: Final = re.compile(r"[^\W\d_][\w'-]*")

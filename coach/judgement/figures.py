"""Find every figure in a piece of notes, with its exact span, and pair before/after changes."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from typing import Final, NamedTuple

from coach.judgement.changes import in_change
from coach.judgement.figure_words import (
    APPROX_BEFORE,
    APPROX_LEAD,
    CADENCE_CHANGE,
    CADENCES,
    CANDIDATE_WORDS,
    COUNTED_UNITS,
    CURRENCY_CODE,
    FRACTION,
    FRACTION_OF,
    FRACTION_VALUES,
    IN_RATE,
    LABEL_LEAD,
    MULTIPLIERS,
    OF_GROUP,
    ONE_UNIT,
    ORDINAL_BEFORE,
    PAIR_WORDS,
    PERCENTILE,
    QUANTITY,
    RATE_BASE_BEFORE,
    RATE_TAIL_AFTER_NOUN,
    RATIO_WORD,
    RATIO_WORDS,
    SCORE_NAME,
    TO_NOTHING,
    VERSION_AFTER,
    WORD_CANDIDATE,
    YEAR,
    count_noun,
    inside_number,
    is_bare_number,
    metric_kind,
    number_value,
    previous_word,
    word_head,
)
from coach.judgement.ranges import joined
from coach.models import Figure, MetricKind

_EVERY_BEFORE: Final = re.compile(r"\bevery\s+$", re.IGNORECASE)
# What a figure is counted per: one word after "per" or "/" ("per dispute", "/unit"), or a cadence.
_PER_TAIL: Final = re.compile(
    r"(?:\s+per\s+|/)(?!\d)(?P<noun>[A-Za-z][\w-]*)\b"
    r"|\s+(?P<adverb>monthly|weekly|daily|nightly|hourly|yearly|annually|quarterly)\b",
    re.IGNORECASE,
)
# Where a figure may start. Two scans, not one alternation: a pure character set lets the regex
# engine skip ahead fast, and ASCII text (most notes) takes the narrower, faster one.
_DIGIT_OR_CURRENCY: Final = re.compile(r"[$€£\d]")
_ASCII_DIGIT_OR_DOLLAR: Final = re.compile(r"[$0-9]")
# Words that may start a figure or a ratio: most words are ruled out by one set lookup.
_TRIGGER_WORDS: Final = CANDIDATE_WORDS | RATIO_WORDS


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
                (m.start(), m.group().lower()) for m in WORD_CANDIDATE.finditer(notes, start, end)
            ]
        digit_or_currency = _ASCII_DIGIT_OR_DOLLAR if notes.isascii() else _DIGIT_OR_CURRENCY
        starts = [
            at
            for at in (m.start() for m in digit_or_currency.finditer(notes, start, end))
            if at == start or not inside_number(notes, at)
        ]
        starts += [m.start() for m in CURRENCY_CODE.finditer(notes, start, end)]
        ratio_words: list[int] = []
        for at, word in words:
            if word not in _TRIGGER_WORDS and "-" not in word:
                continue  # most words: one set lookup
            head = word_head(word)
            if head in CANDIDATE_WORDS:
                starts.append(at)
            if word in RATIO_WORDS or head in RATIO_WORDS:
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
        match = QUANTITY.match(notes, pos, end)
        if match is None:
            continue
        lead = APPROX_BEFORE.search(notes, max(start, pos - 24), pos)
        approx_start = lead.start() if lead else None
        figure = _figure(notes, match, approx_start, start, end, count_nouns, not_figure_after)
        if figure is None and not match["unit"] and not match["cur"]:
            figure = _in_rate(notes, match, approx_start, end, count_nouns)
        elif figure is not None and figure.kind is MetricKind.NUMBER:
            figure = _in_rate(notes, match, approx_start, end, count_nouns) or figure
        if figure is not None:
            figures.append(figure)
            consumed = figure.end
    figures = joined(notes, start, _worded_figures(notes, start, end, figures))
    # A bare number (no unit, noun or currency) is a figure only as one end of a change ("from
    # 14 to 1"): alone it is a list number, a version or a name, and no question fits it.
    figures = [
        figure
        for i, figure in enumerate(figures)
        if not _bare(figure) or in_change(notes, figures, i)
    ]
    if found.ratio_words:
        for m in RATIO_WORD.finditer(notes, start, end):
            lead = APPROX_BEFORE.search(notes, max(start, m.start() - 24), m.start())
            begin = lead.start() if lead else m.start()  # "roughly halved"
            figures.append(
                Figure(text=notes[begin : m.end()], start=begin, end=m.end(),
                       kind=MetricKind.RATIO, approximate=lead is not None,
                       value=0.5 if m["word"].lower() == "halved" else None)
            )  # fmt: skip
        figures.sort(key=lambda f: f.start)
    return _attach_percentiles(notes, figures, start, end)


def _in_rate(
    notes: str,
    match: re.Match[str],
    approx_start: int | None,
    end: int,
    count_nouns: frozenset[str],
) -> Figure | None:
    """ "1 in 5 nights": the number, "in" and the base it is counted in, as one rate, with the
    noun it counts ("1 in 10 nightly runs"; not "1 in 7 never arrived")."""
    tail = IN_RATE.match(notes, match.end(), end)
    if tail is None:
        return None
    share = number_value(match["word"]) if match["word"] else float(match["num"].replace(",", ""))
    if YEAR.fullmatch(tail["of"]):
        return None  # "17 in 2020": a count in a year, not a rate ("1 in 2,000" is one)
    base_text = tail["of"].replace(",", "")
    base = number_value(base_text) if not base_text[:1].isdigit() else float(base_text)
    if (not share and share != 0) or not base:
        return None
    counted = count_noun(notes, tail.end("of"), end, count_nouns)
    noun_end = counted[1] if counted else tail.end("of")
    begin = approx_start if approx_start is not None else match.start()
    return Figure(
        text=notes[begin:noun_end],
        start=begin,
        end=noun_end,
        kind=MetricKind.RATE,
        value=(share or 0.0) / base,
        noun=counted[0] if counted else None,
        approximate=approx_start is not None,
    )


def _worded_figures(notes: str, start: int, end: int, figures: list[Figure]) -> list[Figure]:
    """Figures told in words the number finder does not read: fractions, one unit of time,
    cadences that changed, and a change that ends at zero."""
    taken = [(f.start, f.end) for f in figures]
    extra: list[Figure] = []

    def free(begin: int, finish: int) -> bool:
        """Whether no figure found so far, read from numbers or from words, lies here."""
        return all(finish <= s or begin >= e for s, e in taken) and all(
            finish <= f.start or begin >= f.end for f in extra
        )

    lowered = notes[start:end].lower()
    if " a " in lowered or " an " in lowered or "one " in lowered or lowered.startswith("a"):
        for m in ONE_UNIT.finditer(notes, start, end):
            if RATE_BASE_BEFORE.search(notes, max(start, m.start() - 48), m.start()):
                continue  # "3 hours a night", "twice a week": the base of a rate
            if FRACTION_OF.match(notes, m.start("unit"), end):
                continue  # "a quarter of the teams" is a fraction
            approx = APPROX_BEFORE.search(notes, max(start, m.start() - 24), m.start())
            begin = approx.start() if approx else m.start("amount")
            finish = max(m.end("unit"), m.end("plus"), m.end("and_half"), m.end("per"))
            if free(begin, finish):
                extra.append(
                    Figure(text=notes[begin:finish], start=begin, end=finish,
                           kind=MetricKind.RATE if m["per"] else MetricKind.DURATION,
                           unit=m["unit"].lower(),
                           value=(0.5 if m["half"] else 1.0) + (0.5 if m["and_half"] else 0.0),
                           approximate=approx is not None)
                )  # fmt: skip
    if (
        "half" in lowered
        or "third" in lowered
        or "quarter" in lowered
        or "fifth" in lowered
        or ("tenth" in lowered)
    ):
        for m in FRACTION.finditer(notes, start, end):
            part = (m["part"] or m["half"] or m["cut"]).lower()
            count = number_value(m["count"]) if m["count"] else 1.0
            value = 100 * (count or 1.0) * FRACTION_VALUES[part]
            if free(m.start(), m.end()):
                extra.append(
                    Figure(text=m.group(), start=m.start(), end=m.end(), kind=MetricKind.PERCENT,
                           value=round(value, 2), unit="%", approximate=bool(m["approx"]))
                )  # fmt: skip
    for m in CADENCE_CHANGE.finditer(notes, start, end):
        for name in ("before", "after"):
            begin, finish = m.start(name), m.end(name)
            if free(begin, finish):
                word = m[name].lower()
                extra.append(
                    Figure(text=notes[begin:finish], start=begin, end=finish, kind=MetricKind.RATE,
                           value=CADENCES.get(word), unit="per day")
                )  # fmt: skip
    for figure in figures:
        ending = TO_NOTHING.match(notes, figure.end, end)
        if ending and free(ending.start("word"), ending.end("word")):
            m = ending
            extra.append(
                Figure(text=m["word"], start=m.start("word"), end=m.end("word"),
                       kind=figure.kind, value=0.0, unit=figure.unit, noun=figure.noun)
            )  # fmt: skip
    if not extra:
        return figures
    return sorted([*figures, *extra], key=lambda f: f.start)


def qualified_spans(figure: Figure) -> set[tuple[int, int]]:
    """The figure's span, and the same without its percentile label and without its leading
    qualifier ("p99 under 20ms", "under 20ms", "20ms"): labellers differ on those words."""
    spans = {(figure.start, figure.end)}
    offset = 0
    for lead in (LABEL_LEAD, APPROX_LEAD):
        found = lead.match(figure.text, offset)
        if found and found.end() < len(figure.text):
            offset = found.end()
            spans.add((figure.start + offset, figure.end))
    return spans


def _bare(figure: Figure) -> bool:
    """A number and nothing else: no unit, noun, currency, multiplier or approximation."""
    return (
        figure.kind is MetricKind.NUMBER
        and figure.unit is None
        and not figure.approximate
        and is_bare_number(figure.text)
    )


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
        hyphen_noun = WORD_CANDIDATE.match(notes, after_end + 1, end)
        word = hyphen_noun.group().lower() if hyphen_noun else ""
        if hyphen_noun and not {word, word + "s"} & count_nouns:
            return None
    if match["unit"] and FRACTION_OF.match(notes, match.start("unit"), end):
        return None  # "three quarters of the teams" is a fraction (`_worded_figures`)
    if notes[after_end : after_end + 1] == ":" and notes[after_end + 1 : after_end + 2].isdigit():
        return None  # a time of day ("10:30")
    glued_after = after_end < end and (notes[after_end].isalnum() or notes[after_end] == "_")
    if glued_after and not match["unit"] and not match["mult"]:
        return None
    if previous_word(notes, head if approx_start is None else approx_start, floor) in (
        not_figure_after
    ) and not (match["unit"] or match["cur"]):
        return None
    if match["num"] and not match["unit"] and VERSION_AFTER.match(notes, after_end, end):
        return None  # "firmware 3.8.1", "the 4.2 release": a version, not an amount
    if ORDINAL_BEFORE.search(notes, max(floor, head - 12), head) and not match["unit"]:
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
            value *= MULTIPLIERS.get(match["mult"].lower(), 1.0)
        is_bare = not (match["unit"] or match["cur"] or match["mult"] or match["denom"])
        if is_bare and "," not in match["num"] and YEAR.fullmatch(raw):
            return None  # "2019" is a year; "2,019" never is
    else:
        value = number_value(match["word"])
    unit = match["unit"]
    has_currency = bool(match["cur"])
    rate = bool(match["rate"])
    kind = metric_kind(unit, has_currency, rate, bool(match["denom"]))
    fig_start = head if approx_start is None else approx_start
    sign = fig_start - 1
    signed = sign >= floor and notes[sign] in "+-−±"
    if signed and (sign == floor or notes[sign - 1] in " \t\n([,;:"):  # not "N+1"
        fig_start = sign  # "+31%", "-0.3%", "±2 days": the sign says which way it went
        if notes[sign] in "-−" and value is not None:
            value = -value
    fig_end = match.end()
    approximate = bool(approx_start is not None or match["plus"] or match["ish"] or match["num2"])
    noun: str | None = None
    if hyphen_noun is not None and kind is MetricKind.NUMBER:
        # "a 6-engineer team": the count and its noun are one word.
        noun, fig_end, kind = hyphen_noun.group().lower(), hyphen_noun.end(), MetricKind.COUNT
    elif (
        kind in (MetricKind.NUMBER, MetricKind.RATE)
        and not has_currency
        and (not unit or unit.lower().startswith(COUNTED_UNITS))
    ):
        # "one site", "one now owns": the word "one" counts only a rubric count noun; an amount
        # in a unit of measure counts no noun after it ("40TB postgres", "24V line").
        noun_end = count_noun(
            notes,
            fig_end,
            end,
            count_nouns,
            generic=value != 1 or not match["word"],
            singular=value == 1 and not match["word"],
        )
        of_group = noun_end is None and value != 1 and bool(OF_GROUP.match(notes, fig_end, end))
        if of_group:
            kind = MetricKind.COUNT  # "three of us", "two of the mobile engineers"
        elif noun_end is not None:
            noun, fig_end = noun_end
            tail = RATE_TAIL_AFTER_NOUN.match(notes, fig_end, end)
            if tail:
                fig_end = tail.end()
                kind = MetricKind.RATE
            elif kind is MetricKind.NUMBER:
                kind = MetricKind.COUNT
        elif match["word"] and not rate and not of_group:
            return None  # a number word with no unit or noun is ordinary prose ("one of")
        elif kind is MetricKind.NUMBER and SCORE_NAME.search(
            notes, max(floor, fig_start - 12), fig_start
        ):
            kind = MetricKind.SCORE
    elif match["word"] and not unit and not has_currency:
        return None
    if match["word"] and kind is MetricKind.NUMBER:
        return None
    fig_start, fig_end, per = _widened(notes, fig_start, fig_end, floor, end, kind)
    if per and kind in (MetricKind.DURATION, MetricKind.NUMBER):
        kind = MetricKind.RATE  # "every 30 days": how often, not how long
    approximate = approximate or notes[fig_end - 1] == "+"
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


def _widened(
    notes: str, start: int, end: int, floor: int, ceiling: int, kind: MetricKind
) -> tuple[int, int, bool]:
    """A figure's bounds with what people write around it and count as part of it: a "+" after
    its unit ("200ms+"), "every" before a duration ("every 30 days"), and what it is counted per
    ("$0.90 per dispute", "~$0.40/unit", "$264K monthly"). The third value says whether the
    figure became a frequency. (A sign in front is read with the number: it changes the value.)"""
    if notes[end : end + 1] == "+" and not notes[end + 1 : end + 2].isalnum():
        end += 1
    frequency = False
    every = _EVERY_BEFORE.search(notes, max(floor, start - 8), start)
    if every and kind in (MetricKind.DURATION, MetricKind.LATENCY):
        start, frequency = every.start(), True
    tail = _PER_TAIL.match(notes, end, ceiling)
    if tail and (kind is not MetricKind.RATE or tail["adverb"]):
        end = tail.end()
    return start, end, frequency


def _attach_percentiles(notes: str, figures: list[Figure], start: int, end: int) -> list[Figure]:
    """Join "p99" to the latency that follows it ("p99 850ms", "P95 response time: 380ms")."""
    if not figures:
        return figures
    result = list(figures)
    for label in PERCENTILE.finditer(notes, start, end):
        for i, figure in enumerate(result):
            near = label.end() <= figure.start <= label.end() + 30
            between = notes[label.end() : figure.start]
            attached = near and "\n" not in between and not PAIR_WORDS.search(between)
            if attached and figure.kind in (MetricKind.LATENCY, MetricKind.DURATION):
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

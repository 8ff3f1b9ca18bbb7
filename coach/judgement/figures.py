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
    CADENCE_WORDS,
    CADENCES,
    CANDIDATE_WORDS,
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
    RATE_TAIL_AFTER_NOUN,
    RATIO_WORD,
    RATIO_WORDS,
    SCORE_NAME,
    SPAN_NUMBER,
    SPAN_WORD,
    STOP_NOUNS,
    TIME_WORDS,
    TO_NOTHING,
    VERSION_AFTER,
    WORD_CANDIDATE,
    YEAR,
    count_noun,
    inside_number,
    metric_kind,
    number_value,
    previous_word,
    word_head,
)
from coach.models import Figure, MetricKind

# A "+" or "±" in front of a figure is its sign when nothing is glued before it ("+31%", not "N+1").
_SIGN_ALONE: Final = re.compile(r"(?:^|$|[\s(\[,;:])", re.MULTILINE)
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
        if not _bare(figure) or in_change(notes, figures, i)
    ]
    if found.ratio_words:
        figures.extend(
            Figure(text=m.group(), start=m.start(), end=m.end(), kind=MetricKind.RATIO,
                   value=0.5 if m["word"].lower() == "halved" else None)
            for m in RATIO_WORD.finditer(notes, start, end)
        )  # fmt: skip
        figures.sort(key=lambda f: f.start)
    return _attach_percentiles(notes, figures, start, end)


def _in_rate(notes: str, match: re.Match[str], approx_start: int | None, end: int) -> Figure | None:
    """ "1 in 5 nights": the number, "in" and the base it is counted in, as one rate."""
    tail = IN_RATE.match(notes, match.end(), end)
    if tail is None:
        return None
    share = number_value(match["word"]) if match["word"] else float(match["num"].replace(",", ""))
    base_text = tail["of"].replace(",", "")
    if YEAR.fullmatch(base_text):
        return None  # "17 in 2020": a count in a year, not a rate
    base = number_value(base_text) if not base_text[:1].isdigit() else float(base_text)
    if (not share and share != 0) or not base:
        return None
    noun_end = (
        tail.end("noun")
        if tail["noun"] and tail["noun"].lower() not in STOP_NOUNS
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
        for m in FRACTION.finditer(notes, start, end):
            part = (m["part"] or m["half"] or m["cut"]).lower()
            count = number_value(m["count"]) if m["count"] else 1.0
            value = 100 * (count or 1.0) * FRACTION_VALUES[part]
            if free(m.start(), m.end()):
                extra.append(
                    Figure(text=m.group(), start=m.start(), end=m.end(), kind=MetricKind.PERCENT,
                           value=round(value, 2), unit="%", approximate=bool(m["approx"]))
                )  # fmt: skip
    if " a " in lowered or " an " in lowered or lowered.startswith(("a ", "an ")):
        for m in ONE_UNIT.finditer(notes, start, end):
            if not (m["lead"] or m["tail"]):
                continue  # "a day in the life" is no amount of time
            begin, finish = m.start("amount"), m.end("unit")
            if free(begin, finish):
                extra.append(
                    Figure(text=notes[begin:finish], start=begin, end=finish,
                           kind=MetricKind.DURATION, value=1.0, unit=m["unit"].lower())
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
        if is_bare and YEAR.fullmatch(raw):
            return None
    else:
        value = number_value(match["word"])
    unit = match["unit"]
    has_currency = bool(match["cur"])
    rate = bool(match["rate"])
    kind = metric_kind(unit, has_currency, rate, bool(match["denom"]))
    fig_start = head if approx_start is None else approx_start
    fig_end = match.end()
    approximate = bool(approx_start is not None or match["plus"] or match["ish"] or match["num2"])
    noun: str | None = None
    if hyphen_noun is not None and kind is MetricKind.NUMBER:
        # "a 6-engineer team": the count and its noun are one word.
        noun, fig_end, kind = hyphen_noun.group().lower(), hyphen_noun.end(), MetricKind.COUNT
    elif kind in (MetricKind.NUMBER, MetricKind.RATE) and not has_currency:
        # "one site", "one now owns": the word "one" counts only a rubric count noun.
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
    """A figure's bounds with what people write around it and count as part of it: a sign in
    front ("+31%"), a "+" after its unit ("200ms+"), "every" before a duration ("every 30 days"),
    and what it is counted per ("$0.90 per dispute", "~$0.40/unit", "$264K monthly"). The third
    value says whether the figure became a frequency."""
    if start - 1 >= floor and notes[start - 1] in "+±" and _SIGN_ALONE.match(notes, start - 2):
        start -= 1
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
            joined = near and not PAIR_WORDS.search(notes, label.end(), figure.start)
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


def figure_from_span(notes: str, start: int, end: int) -> Figure | None:
    """A figure for a span the finder did not read ("handled 5 solo", "weekly", "a full
    quarter"): its number, unit of time or cadence, and the noun it counts, read from the span."""
    text = notes[start:end]
    lowered = text.lower()
    cadence = next((w for w in SPAN_WORD.findall(lowered) if w in CADENCE_WORDS), None)
    if cadence is not None:
        return Figure(text=text, start=start, end=end, kind=MetricKind.RATE,
                      value=CADENCES[cadence], unit="per day")  # fmt: skip
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

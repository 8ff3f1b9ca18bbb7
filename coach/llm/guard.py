"""The "nothing invented" guard: every figure, name and scope claim must be found in the notes.

Deterministic and model-free: it compares what a model wrote with what the user wrote. Marked
placeholders ([[like this]]) are exempt, since they say what is missing instead of inventing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from coach.judgement.changes import same_quantity
from coach.judgement.cues import Tokens, tokenize
from coach.judgement.figures import find_figures
from coach.judgement.levels import I_WORDS, TEAM_WORDS
from coach.judgement.rubrics import RubricSet
from coach.models import Figure

PLACEHOLDER = re.compile(r"\[\[[^\[\]]{1,200}\]\]")
_NAME = re.compile(r"\b[A-Za-z][\w./+-]*[A-Za-z0-9]|\b[A-Z]\b")
_SPACE = re.compile(r"\s+")
_QUOTE_TRIM = " \t\r\n\"'“”‘’«»…."

ViolationKind = Literal["quote", "unit", "figure", "name", "scope"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One unsupported piece of a model's answer."""

    kind: ViolationKind
    text: str
    message: str

    def describe(self) -> str:
        """One line for the repair prompt and the user."""
        return f"\u201c{self.text}\u201d: {self.message}"


class SourceFacts:
    """What the notes support: their figures, words and scope claims."""

    def __init__(self, notes: str, rubrics: RubricSet) -> None:
        self.notes = notes
        self.rubrics = rubrics
        self.figures = _figures(notes, rubrics)
        tokens = tokenize(notes)  # once, for both the words and the claims
        self.words = frozenset(tokens.words)
        self.lowered = _SPACE.sub(" ", notes.lower())
        self.claims = _claims(tokens, rubrics)

    def supports_figure(self, figure: Figure) -> bool:
        """Whether the notes give this figure (the same quantity, however it is written)."""
        if figure.value is None:
            return _SPACE.sub(" ", figure.text.lower()) in self.lowered
        return any(same_quantity(figure, known) for known in self.figures)


def locate_quote(notes: str, quote: str) -> tuple[int, int] | None:
    """Where a quote stands in the notes: verbatim, allowing only differences in white space."""
    wanted = quote.strip(_QUOTE_TRIM)
    if not wanted:
        return None
    at = notes.find(wanted)
    if at != -1:
        return at, at + len(wanted)
    # The model may reflow lines or collapse spaces; nothing else may differ.
    pattern = r"\s+".join(re.escape(part) for part in wanted.split())
    found = re.search(pattern, notes)
    return (found.start(), found.end()) if found else None


def _claims(tokens: Tokens, rubrics: RubricSet) -> frozenset[str]:
    return frozenset(hit.key for hit in rubrics.guard.cue_book.find(tokens))


def _figures(text: str, rubrics: RubricSet) -> list[Figure]:
    """Every figure in `text`, read with the quantification rubric's word lists."""
    quant = rubrics.quantification
    return find_figures(
        text,
        0,
        len(text),
        count_nouns=quant.count_noun_set,
        not_figure_after=quant.not_figure_after_set,
    )


def check_text(text: str, facts: SourceFacts, quoted: str | None = None) -> list[Violation]:
    """Every figure, name and scope claim in `text` that the notes do not support.

    Figures and names may come from anywhere in the notes. Scope and role claims must come from
    `quoted`, the words the sentence says it rests on, when given: "helped" quoted does not make
    "led" true even if the notes say "led" elsewhere, and "we" quoted does not make "I" true.
    """
    bare = PLACEHOLDER.sub(" ", text)
    rubrics = facts.rubrics
    violations: list[Violation] = []
    for figure in _figures(bare, rubrics):
        if not facts.supports_figure(figure):
            violations.append(Violation("figure", figure.text, "this figure is not in your notes"))
    for match in _NAME.finditer(bare):
        word = match.group()
        if _looks_like_name(bare, match.start(), word) and not _known(word, facts):
            violations.append(Violation("name", word, "this name is not in your notes"))
    tokens = tokenize(bare)
    quoted_tokens = None if quoted is None else tokenize(quoted)
    supported = facts.claims if quoted_tokens is None else _claims(quoted_tokens, rubrics)
    for hit in rubrics.guard.cue_book.find(tokens):
        if hit.key not in supported:
            claim = rubrics.guard.scope_claims[hit.key]
            violations.append(Violation("scope", bare[hit.start : hit.end], claim.message))
    if quoted is not None and quoted_tokens is not None:
        violations += _claimed_as_mine(bare, tokens, quoted_tokens, rubrics)
        violations += _figures_with_another_meaning(bare, quoted, rubrics)
    return _unique(violations)


# How far before a figure a word tells it as an outcome in the story: "saved 72 hours".
_OUTCOME_REACH = 4
_WORD = re.compile(r"[a-z]+")
_CLAUSE_END = re.compile(r"[!?;\n]|\.(?!\d)")  # not the point in "2.1%"


def _told_as_outcome(text: str, figure: Figure, outcome_words: frozenset[str]) -> bool:
    before = _WORD.findall(text[: figure.start].lower())[-_OUTCOME_REACH:]
    return not outcome_words.isdisjoint(before)


def _in_an_outcome_sentence(text: str, figure: Figure, outcome_words: frozenset[str]) -> bool:
    # Read generously in the notes: anywhere in the figure's sentence ("we cut p99 from 850ms
    # to 320ms", "72 hours saved").
    start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, figure.start)), default=0)
    end = next((m.start() for m in _CLAUSE_END.finditer(text, figure.end)), len(text))
    return not outcome_words.isdisjoint(_WORD.findall(text[start:end].lower()))


def _figures_with_another_meaning(text: str, quoted: str, rubrics: RubricSet) -> list[Violation]:
    """Each figure `text` tells as an outcome when the quoted words give the same quantity only
    as something else: "72 hours of tracing" quoted does not make "saved 72 hours" true."""
    guard = rubrics.guard
    sources = _figures(quoted, rubrics)
    return [
        Violation("figure", figure.text, guard.figure_meaning_message)
        for figure in _figures(text, rubrics)
        if _told_as_outcome(text, figure, guard.outcome_words)
        and (same := [known for known in sources if same_quantity(figure, known)])
        and not any(_in_an_outcome_sentence(quoted, k, guard.outcome_words) for k in same)
    ]


def _claimed_as_mine(
    text: str, tokens: Tokens, quoted_tokens: Tokens, rubrics: RubricSet
) -> list[Violation]:
    """Each "I" of `text` when its quoted words credit the team ("we", "our") and never say "I".

    Quoted words that name no one ("Moved billing to Postgres") are the writer's own and may
    become "I".
    """
    quoted = frozenset(quoted_tokens.words)
    if quoted.isdisjoint(TEAM_WORDS) or not quoted.isdisjoint(I_WORDS):
        return []
    message = rubrics.guard.personal_role_message
    return [
        Violation("scope", text[start:end], message)
        for word, start, end in zip(tokens.words, tokens.starts, tokens.ends, strict=True)
        if word in I_WORDS
    ]


def _looks_like_name(text: str, at: int, word: str) -> bool:
    """CamelCase, ALL-CAPS or digit-bearing words anywhere; capitalised words mid-sentence."""
    if word.isdigit():
        return False
    inner = word[1:]
    if any(ch.isupper() for ch in inner) or (any(ch.isdigit() for ch in word)):
        return True
    if not word[0].isupper():
        return False
    before = text[:at].rstrip()
    return bool(before) and before[-1] not in ".!?:;\n-•*(\"'“"


def _known(word: str, facts: SourceFacts) -> bool:
    lowered = word.lower().strip(".")
    if lowered in facts.rubrics.guard.not_name_set or lowered in facts.words:
        return True
    # "GitHub Actions" in the story and "github actions" in the notes, or a plural.
    return lowered in facts.lowered or lowered.rstrip("s") in facts.words


def _unique(violations: list[Violation]) -> list[Violation]:
    seen: set[tuple[str, str]] = set()
    unique: list[Violation] = []
    for violation in violations:
        key = (violation.kind, violation.text.lower())
        if key not in seen:
            seen.add(key)
            unique.append(violation)
    return unique

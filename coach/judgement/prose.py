"""Turn a fragment of the notes into a sentence a user can say, by a few mechanical edits only.

Offline there is no model to rephrase, and a story must not say what the notes do not: so a
sentence is the notes' own words, with the list mark and section label gone, the pronoun "i"
written "I", the first letter upper-cased, "I"/"We" before a bare past-tense verb and a final
full stop. `only_allowed_edits` checks a sentence against its source word by word, so a guard can
reject anything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, Literal

from coach.lexicon import alternation, load_lexicon

Subject = Literal["I", "we"]

_SUBJECT_WORDS: Final[dict[Subject, str]] = {"I": "I", "we": "We"}
# A past form that agrees with one subject only: "I were" and "we was" are not said.
_ONE_SUBJECT: Final[dict[str, Subject]] = {"was": "I", "were": "we"}

_LEXICON: Final = load_lexicon()
# The words are data (rubrics/lexicon.v1.yaml); what each list is for is said there.
SECTION_LABELS: Final = _LEXICON.section_labels
IRREGULAR_PAST: Final = frozenset(_LEXICON.irregular_past)
NOT_PAST_ED: Final = frozenset(_LEXICON.not_past_ed)

_LABEL_WORDS: Final = "|".join(map(re.escape, sorted(SECTION_LABELS, key=len, reverse=True)))
# Repeated list marks and section labels at the start of whitespace-normalised text.
_LEAD: Final = re.compile(
    rf"(?:(?:[-*•–+]|\d{{1,3}}[.)]|[a-z]\)) |(?:{_LABEL_WORDS})(?: ?:| [-–](?= |$)) ?)*",
    re.IGNORECASE | re.ASCII,
)
# The pronoun "i", alone or contracted, but not "i.e.", "i/o", "wi-fi" or a numbering "(i)".
_PRONOUN: Final = re.compile(
    r"(?<![\w.'’/&@#-])(?!(?<=\()i\))i(?=(?:['’](?:m|ve|d|ll))?(?![\w'’/&@-]|\.\w))"
)
_WHOLE_WORD: Final = r"(?<![\w'’/&@.-])(?:{})(?![\w/&@-]|\.\w)"
_FIRST_PERSON: Final = re.compile(
    _WHOLE_WORD.format(alternation(_LEXICON.first_person_singular)), re.IGNORECASE
)
_FIRST_PERSON_PLURAL: Final = re.compile(
    _WHOLE_WORD.format(alternation(_LEXICON.first_person_plural)), re.IGNORECASE
)
_COUNTRY: Final = "US"  # the United States, not "us"

# Punctuation that ends a fragment open: replaced by the full stop.
_OPEN_END: Final = re.compile(r"(?:\s*[,;:]|\s+[-–—])+$")
_TERMINALS: Final = (".", "!", "?", "…")
_CLOSERS: Final = ")]}\"'’”»*_`"
_WORD_END: Final = ",;:.!?" + _CLOSERS
_VOWELS: Final = frozenset("aeiouy")
_CODE_CHARS: Final = frozenset("_./\\@=`<>{}[]#")


def notes_subject(notes: str) -> Subject:
    """Whose voice the notes speak in: "I" if they use I/me/my anywhere (case-insensitive, whole
    words, including "i"), else "we" if they use we/us/our, else "I"."""
    if _FIRST_PERSON.search(notes):
        return "I"
    if any(match.group() != _COUNTRY for match in _FIRST_PERSON_PLURAL.finditer(notes)):
        return "we"
    return "I"


def write_sentence(text: str, subject: Subject, label_chars: int = 0) -> str:
    """One unit of the notes as a clean sentence, by the allowed edits only.

    `label_chars` is the length of a label the caller found at the start of `text`.
    """
    body = _body(text, label_chars)
    if not body:
        return ""
    first, space, rest = _PRONOUN.sub("I", body).partition(" ")
    # Judged on the words as they will be written ("DID:" ends "DID."), as the check reads them.
    written_rest = _ended(first + space + rest).split()[1:]
    verb = _past_tense(first) if not _opens_noun_phrase(first, written_rest) else None
    # A question ("was it slow?", "did it work?") opens with its verb and needs no subject.
    asked = body.rstrip(_CLOSERS).endswith("?")
    if verb is not None and not asked and _ONE_SUBJECT.get(verb, subject) == subject:
        first = f"{_SUBJECT_WORDS[subject]} {_lower_first(first)}"
    else:
        first = _capitalized(first)
    return _ended(first + space + rest)


def only_allowed_edits(source: str, written: str, label_chars: int = 0) -> bool:
    """Whether `written` could come from `source` by the allowed edits alone.

    Independent of `write_sentence`: it compares word sequences, so a guard can trust it to catch
    a word added, dropped, changed, re-cased or moved by any writer.
    """
    if written == source[label_chars:]:
        return True  # no edit at all is always allowed
    body = _body(source, label_chars)
    written_words = written.split()
    if not body:
        return not written_words
    open_ended = _OPEN_END.sub("", body)
    endings = {body, body + ".", open_ended + "."}
    if _terminated(open_ended):
        endings.add(open_ended)
    return any(_same_words(ending.split(), written_words) for ending in endings)


def join_sentences(sentences: Sequence[str]) -> str:
    """One paragraph: the sentences joined with single spaces."""
    return " ".join(stripped for sentence in sentences if (stripped := sentence.strip()))


def _body(text: str, label_chars: int) -> str:
    """The fragment's words, single-spaced, without the caller's label, list marks or labels."""
    if label_chars < 0:
        raise ValueError(f"label_chars must not be negative, got {label_chars}")
    normalised = " ".join(text[label_chars:].split())
    lead = _LEAD.match(normalised)
    return normalised[lead.end() :] if lead else normalised


def _past_tense(word: str) -> str | None:
    """The verb, lower-cased, if `word` is a past-tense verb in lower or initial capitals."""
    core = word.rstrip(_WORD_END)
    if not (core.isascii() and core.isalpha() and (core.islower() or core.istitle())):
        return None
    verb = core.lower()
    # Words shorter than four letters ("bed", "red") are never taken for a regular past form.
    if verb in IRREGULAR_PAST or (
        len(verb) >= 4 and verb.endswith("ed") and verb not in NOT_PAST_ED
    ):
        return verb
    return None


# What tells an "-ed" opening word qualifies a noun or describes a figure (see the lexicon).
_CLAUSE_BREAKS: Final = frozenset(_LEXICON.clause_breaks)
_NOUN_PHRASE_REACH: Final = 3
_FINITE: Final = frozenset(_LEXICON.finite_verbs)
_MEASURING: Final = frozenset(_LEXICON.measuring_verbs)
_MEASURED_OVER: Final = frozenset(_LEXICON.measured_over)
_ALSO_ADJECTIVES: Final = frozenset(_LEXICON.also_adjectives)


def _opens_noun_phrase(first: str, rest: Sequence[str]) -> bool:
    """Whether an "-ed" first word qualifies something rather than acting: its own verb follows
    within a few words ("Abandoned carts fell 12%", "Failed jobs were retried"), or it is passive
    ("Reviewed by the board", a figure "Measured over four weeks"); giving it a subject would say
    something else ("I abandoned carts", "I measured over four weeks")."""
    bare_first = first.rstrip(_WORD_END).lower()
    if not (bare_first.endswith("ed") or bare_first in _ALSO_ADJECTIVES):
        return False
    following = rest[0].rstrip(_WORD_END).lower() if rest else ""
    if following == "by" or (bare_first in _MEASURING and following in _MEASURED_OVER):
        return True  # passive: "Reviewed by the board", "Measured over four weeks"
    for word in rest[:_NOUN_PHRASE_REACH]:
        bare = word.rstrip(_WORD_END).lower()
        if bare in _CLAUSE_BREAKS or word.endswith((",", ";", ":")):
            return False
        if bare in _FINITE or _past_tense(bare) is not None:
            return True
    return False


def _capitalized(word: str) -> str:
    """The first word with its first letter upper-cased, unless the word is a name or code whose
    case is part of it ("iOS", "eBay", "k8s", "npm", "e.g.")."""
    first = word[:1]
    upper = first.upper()
    if not first.islower() or len(upper) != 1 or upper == first:
        return word
    core = word.rstrip(_WORD_END)
    if (
        any(char.isdigit() or char in _CODE_CHARS for char in core)
        or any(char.isupper() for char in core[1:])
        or (core.isascii() and core.isalpha() and _VOWELS.isdisjoint(core.lower()))
    ):
        return word
    return upper + word[1:]


def _lower_first(word: str) -> str:
    return word[:1].lower() + word[1:]


def _terminated(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_TERMINALS)


def _ended(text: str) -> str:
    """The sentence with a final full stop, replacing a trailing comma, colon or dash."""
    open_ended = _OPEN_END.sub("", text)
    return open_ended if _terminated(open_ended) else open_ended + "."


def _same_words(source: list[str], written: list[str]) -> bool:
    """Whether `written` is `source` with at most a subject added, the first letter re-cased and
    pronouns upper-cased (`source` already carries the written sentence's final punctuation)."""
    if len(written) == len(source) + 1:
        verb = _past_tense(source[0]) if not _opens_noun_phrase(source[0], source[1:]) else None
        said_by = next((s for s, word in _SUBJECT_WORDS.items() if word == written[0]), None)
        if verb is None or said_by is None or _ONE_SUBJECT.get(verb, said_by) != said_by:
            return False
        first_forms = {source[0], _lower_first(source[0])}
        written = written[1:]
    elif len(written) == len(source):
        pronoun = _PRONOUN.sub("I", source[0])
        first_forms = {source[0], pronoun, _capitalized(source[0]), _capitalized(pronoun)}
    else:
        return False
    # Most words are unchanged: the pronoun pattern runs only on those that are not.
    return written[0] in first_forms and all(
        word == original or word == _PRONOUN.sub("I", original)
        for original, word in zip(source[1:], written[1:], strict=True)
    )

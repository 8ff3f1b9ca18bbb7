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

Subject = Literal["I", "we"]

_SUBJECT_WORDS: Final[dict[Subject, str]] = {"I": "I", "we": "We"}
# A past form that agrees with one subject only: "I were" and "we was" are not said.
_ONE_SUBJECT: Final[dict[str, Subject]] = {"was": "I", "were": "we"}

SECTION_LABELS: Final = (
    "context",
    "background",
    "situation",
    "problem",
    "goal",
    "task",
    "my role",
    "role",
    "action",
    "actions",
    "what i did",
    "result",
    "results",
    "outcome",
    "impact",
    "lesson",
    "lessons",
    "learned",
    "learnings",
    "tradeoff",
    "trade-off",
    "tradeoffs",
    "trade-offs",
    "decision",
    "next",
    "next steps",
    "future",
)

# Irregular past forms; the ambiguous ones ("read", "set", "cut", "put") are in: notes use them
# as verbs far more often than as nouns at the start of a fragment.
IRREGULAR_PAST: Final = frozenset(
    [
        "arose",
        "ate",
        "awoke",
        "beat",
        "became",
        "began",
        "bent",
        "bore",
        "bought",
        "bred",
        "broke",
        "brought",
        "built",
        "burnt",
        "came",
        "caught",
        "chose",
        "cut",
        "dealt",
        "did",
        "drew",
        "drove",
        "dug",
        "fed",
        "fell",
        "felt",
        "fled",
        "flew",
        "fought",
        "found",
        "forgave",
        "forgot",
        "froze",
        "gave",
        "got",
        "grew",
        "had",
        "heard",
        "held",
        "hid",
        "hit",
        "hung",
        "kept",
        "knew",
        "laid",
        "leapt",
        "learnt",
        "led",
        "left",
        "lent",
        "let",
        "lit",
        "lost",
        "made",
        "meant",
        "met",
        "misread",
        "mistook",
        "oversaw",
        "overcame",
        "overdid",
        "overran",
        "overrode",
        "overtook",
        "overwrote",
        "outgrew",
        "outran",
        "paid",
        "put",
        "quit",
        "ran",
        "rang",
        "read",
        "rebuilt",
        "redid",
        "redrew",
        "reran",
        "reset",
        "resold",
        "rethought",
        "rewrote",
        "rode",
        "rose",
        "said",
        "sang",
        "sank",
        "sat",
        "saw",
        "sent",
        "set",
        "shook",
        "shot",
        "shrank",
        "shut",
        "slept",
        "slid",
        "sold",
        "sought",
        "sped",
        "spent",
        "split",
        "spoke",
        "spread",
        "spun",
        "stole",
        "stood",
        "strode",
        "strove",
        "struck",
        "stuck",
        "swam",
        "swept",
        "swore",
        "swung",
        "taught",
        "thought",
        "threw",
        "told",
        "took",
        "tore",
        "undertook",
        "understood",
        "undid",
        "upheld",
        "was",
        "went",
        "were",
        "withdrew",
        "withheld",
        "withstood",
        "woke",
        "won",
        "wore",
        "wove",
        "wrote",
    ]
)
# Words ending in "ed" that are not a past-tense verb opening a fragment: present forms, nouns,
# adjectives that open noun phrases ("based on", "unexpected load"), and names. Shorter words
# ("bed", "red") are never taken for a regular past form.
NOT_PAST_ED: Final = frozenset(
    [
        "bled",
        "bleed",
        "breed",
        "creed",
        "deed",
        "embed",
        "exceed",
        "feed",
        "greed",
        "heed",
        "imbed",
        "indeed",
        "need",
        "proceed",
        "reed",
        "seed",
        "shed",
        "shred",
        "sled",
        "speed",
        "steed",
        "succeed",
        "tweed",
        "weed",
        "seabed",
        "hotbed",
        "infrared",
        "hundred",
        "kindred",
        "hatred",
        "sacred",
        "naked",
        "wicked",
        "rugged",
        "ragged",
        "jagged",
        "crooked",
        "beloved",
        "wretched",
        "aged",
        "ashamed",
        "based",
        "related",
        "unrelated",
        "limited",
        "united",
        "interested",
        "excited",
        "tired",
        "supposed",
        "mixed",
        "nested",
        "unexpected",
        "unplanned",
        "unused",
        "unsupported",
        "undocumented",
        "untested",
        "unowned",
        "unhandled",
        "unmonitored",
        "unresolved",
        "unstructured",
        "unbounded",
        "unencrypted",
        "fred",
        "jared",
        "alfred",
        "ahmed",
        "mohammed",
        "mohamed",
    ]
)

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
_FIRST_PERSON: Final = re.compile(_WHOLE_WORD.format("i|me|my"), re.IGNORECASE)
_FIRST_PERSON_PLURAL: Final = re.compile(_WHOLE_WORD.format("we|us|our"), re.IGNORECASE)
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
    verb = _past_tense(first) if not _opens_noun_phrase(first, rest.split()) else None
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
    if verb in IRREGULAR_PAST or (
        len(verb) >= 4 and verb.endswith("ed") and verb not in NOT_PAST_ED
    ):
        return verb
    return None


# Words that end a clause: a verb after one ("..., and moved") is the first verb's partner.
_CLAUSE_BREAKS: Final = frozenset({"and", "or", "then", "but", "so"})
_NOUN_PHRASE_REACH: Final = 3
_FINITE: Final = frozenset({"is", "are", "has", "have"})
# Past forms that also qualify nouns ("Read replicas lagged", "Left-over jobs"), like "-ed" ones.
# How a figure was read: with a place or period straight after, the fragment describes a figure
# ("Measured over four weeks", "Tracked in Datadog"), it does not say what the author did.
_MEASURING: Final = frozenset(
    {"measured", "tracked", "monitored", "sampled", "averaged", "calculated", "computed"}
)
_MEASURED_OVER: Final = frozenset(
    {"over", "across", "in", "on", "with", "using", "via", "from", "through", "during", "per", "at"}
)
_ALSO_ADJECTIVES: Final = frozenset(
    {"read", "set", "hit", "left", "cut", "split", "spread", "shut"}
)


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

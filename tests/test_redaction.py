"""Redaction: what is hidden from the model, how it comes back, and that the round trip is exact."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from coach.llm.redaction import Redacted, RedactionList, preview, redact

NAMES = RedactionList(
    companies=["Acme", "Acme Corp.", "Globex"],
    products=["Acme Cloud", "Roadrunner"],
    people=["Priya", "Zoë", "Müller", "O'Brien", "X"],
)


def _sent(text: str, names: RedactionList = NAMES) -> str:
    return redact(text, names).text


def test_parse_splits_strips_and_dedupes() -> None:
    names = RedactionList.parse("Acme, acme\n Globex ,\r\n\n", "", " Priya ,ZOË,\nzoë")
    assert names == RedactionList(companies=["Acme", "Globex"], people=["Priya", "ZOË"])
    assert RedactionList.parse("", " , \n", "").products == []


def test_list_is_strict_and_frozen() -> None:
    with pytest.raises(ValidationError):
        RedactionList.model_validate({"companies": ["Acme"], "clients": ["Initech"]})
    with pytest.raises(ValidationError):
        NAMES.companies = []  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("I joined Globex in 2019.", "I joined [COMPANY-1] in 2019."),
        ("We shipped Roadrunner v2.", "We shipped [PRODUCT-1] v2."),
        ("Priya and I paired.", "[PERSON-1] and I paired."),
        ("Write to bob@globex.com today", "Write to [EMAIL-1] today"),
        ("Docs at https://globex.com/docs now", "Docs at [URL-1] now"),
        ("Docs at www.globex.com now", "Docs at [URL-1] now"),
        ("GLOBEX, globex and Globex", "[COMPANY-1], [COMPANY-1] and [COMPANY-1]"),
        ("Globex hired Priya; Acme hired Zoë",
         "[COMPANY-1] hired [PERSON-1]; [COMPANY-2] hired [PERSON-2]"),
        ("Nothing to hide here.", "Nothing to hide here."),
    ],
)  # fmt: skip
def test_each_kind_is_replaced(text: str, sent: str) -> None:
    assert _sent(text) == sent


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("Acme Cloud is Acme's product", "[PRODUCT-1] is [COMPANY-1]'s product"),
        ("ACME CLOUD and acme", "[PRODUCT-1] and [COMPANY-1]"),
        ("Acme Corp. bought it", "[COMPANY-1] bought it"),
        ("I left Acme Corp.", "I left [COMPANY-1]"),
        ("Acme Corp and Acme", "[COMPANY-1] and [COMPANY-2]"),
        ("Acme\n  Cloud wrapped", "[PRODUCT-1] wrapped"),
    ],
)
def test_longest_name_wins(text: str, sent: str) -> None:
    assert _sent(text) == sent


@pytest.mark.parametrize(
    ("text", "sent"),
    [
        ("Zoë met Herr Müller and MÜLLER", "[PERSON-1] met Herr [PERSON-2] and [PERSON-2]"),
        ("Zoëlla and Müllerstraße stay", "Zoëlla and Müllerstraße stay"),
        ("O'Brien's idea", "[PERSON-1]'s idea"),
        ("Priya's plan, Priya’s call", "[PERSON-1]'s plan, [PERSON-1]’s call"),
        ("Priyanka and Priyas stay", "Priyanka and Priyas stay"),
        ("acme_corp and Acme-Cloud", "[COMPANY-1]_corp and [COMPANY-1]-Cloud"),
        ("Acmes and Acme2 stay", "Acmes and Acme2 stay"),
        ("X marks the spot", "X marks the spot"),
    ],
)
def test_whole_words_unicode_and_possessives(text: str, sent: str) -> None:
    assert _sent(text) == sent


def test_scripts_without_spaces_still_match() -> None:
    names = RedactionList(companies=["東京電力", "삼성"])
    assert (
        _sent("東京電力で働いた。삼성은 크다", names) == "[COMPANY-1]で働いた。[COMPANY-2]은 크다"
    )


@pytest.mark.parametrize(
    ("text", "sent", "original"),
    [
        ("See https://globex.com/docs.", "See [URL-1].", "https://globex.com/docs"),
        ("(see https://globex.com/docs)", "(see [URL-1])", "https://globex.com/docs"),
        ("https://en.wikipedia.org/wiki/Foo_(bar).", "[URL-1].", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("[docs](https://globex.com/d?a=1&b=2)!", "[docs]([URL-1])!", "https://globex.com/d?a=1&b=2"),
        ('"HTTPS://GLOBEX.COM/X",', '"[URL-1]",', "HTTPS://GLOBEX.COM/X"),
        ("www.globex.com, then", "[URL-1], then", "www.globex.com"),
        ("Mail bob.smith+cv@mail.globex.co.uk.", "Mail [EMAIL-1].",
         "bob.smith+cv@mail.globex.co.uk"),
        ("<zoë@müller.de>;", "<[EMAIL-1]>;", "zoë@müller.de"),
        ("(priya@acme.com)", "([EMAIL-1])", "priya@acme.com"),
        ("https://acme.com/Priya", "[URL-1]", "https://acme.com/Priya"),
    ],
)  # fmt: skip
def test_punctuation_around_urls_and_emails(text: str, sent: str, original: str) -> None:
    redacted = redact(text, NAMES)
    assert redacted.text == sent
    assert preview(redacted)[0][1] == original
    assert redacted.restore(redacted.text) == text


def test_found_spans_never_leave_half_a_word() -> None:
    # "Zoé" spelled with a combining accent is one word with the address it runs into.
    assert _sent("to zoe\u0301bob@acme.com, ok") == "to [EMAIL-1], ok"
    assert _sent("gohttps://acme.com now") == "[URL-1] now"


def test_bare_scheme_is_not_a_url() -> None:
    assert _sent("the https:// prefix and www. alone") == "the https:// prefix and www. alone"


def test_same_original_same_placeholder_and_the_preview() -> None:
    text = "ACME hired Priya. Acme and priya@acme.com, then acme and PRIYA@ACME.COM."
    redacted = redact(text, NAMES)
    assert redacted.text == (
        "[COMPANY-1] hired [PERSON-1]. [COMPANY-1] and [EMAIL-1], then [COMPANY-1] and [EMAIL-1]."
    )
    assert preview(redacted) == [
        ("[COMPANY-1]", "ACME"),
        ("[PERSON-1]", "Priya"),
        ("[EMAIL-1]", "priya@acme.com"),
    ]
    assert redacted.count() == 3
    # Each mention gets its own spelling back.
    assert redacted.restore(redacted.text) == text


@pytest.mark.parametrize(
    "mangled",
    ["[company-1]", "[ COMPANY-1 ]", "[Company 1]", "[COMPANY_1]", "[COMPANY–1]", "[COMPANY-01]",
     "[\nCompany - 1\n]"],
)  # fmt: skip
def test_restore_accepts_what_a_model_does_to_placeholders(mangled: str) -> None:
    redacted = redact("Globex hired Zoë.", NAMES)
    assert redacted.text == "[COMPANY-1] hired [PERSON-1]."
    assert redacted.restore(f"At {mangled}, [person-1] led.") == "At Globex, Zoë led."


def test_restore_past_the_mentions_sent_uses_the_first_spelling() -> None:
    redacted = redact("GLOBEX, then Globex", NAMES)
    assert redacted.restore("[COMPANY-1] [COMPANY-1] [COMPANY-1]") == "GLOBEX Globex GLOBEX"


@pytest.mark.parametrize(
    "untouched",
    ["[COMPANY-2]", "[PERSON-1]", "[CLIENT-1]", "COMPANY-1", "[COMPANY-]", "[COMPANY-1",
     "(COMPANY-1)", "[COMPANY-1a]", "{COMPANY-1}", "[URL-1]"],
)  # fmt: skip
def test_restore_leaves_other_look_alikes_alone(untouched: str) -> None:
    redacted = redact("Globex grew.", NAMES)
    assert redacted.restore(f"x {untouched} y") == f"x {untouched} y"


def test_look_alikes_the_user_wrote_round_trip() -> None:
    text = "Write [COMPANY-1] for Acme, [ person-2 ] for Priya and [TEXT-1] as is."
    redacted = redact(text, NAMES)
    assert redacted.text == (
        "Write [TEXT-1] for [COMPANY-1], [TEXT-2] for [PERSON-1] and [TEXT-3] as is."
    )
    assert redacted.restore(redacted.text) == text
    assert redacted.restore("[COMPANY-1] and [text-1]") == "Acme and [COMPANY-1]"


def test_restoring_does_not_restore_twice() -> None:
    # An original that looks like a placeholder must not be read again once it is put back.
    redacted = redact("[PERSON-1] and Priya", NAMES)
    assert redacted.text == "[TEXT-1] and [PERSON-1]"
    assert redacted.restore("[PERSON-1], [TEXT-1]") == "Priya, [PERSON-1]"


def test_every_mention_counts_even_overlapping_ones() -> None:
    names = RedactionList(companies=["Lima Lima"], people=["Ana Maria Lima"])
    # The first "Lima Lima" is lost to the longer name; the one after it must still be found.
    assert _sent("Ana Maria Lima Lima Lima", names) == "[PERSON-1] [COMPANY-1]"


def test_names_inside_emails_and_urls_go_with_them() -> None:
    redacted = redact("priya@acme.com and https://acme.com/priya", NAMES)
    assert redacted.text == "[EMAIL-1] and [URL-1]"


def test_nothing_to_redact() -> None:
    redacted = redact("", NAMES)
    assert redacted == Redacted("", (), ())
    assert redacted.count() == 0
    assert redact("plain text", RedactionList()).restore("plain [COMPANY-1]") == "plain [COMPANY-1]"


# The property test's oracle: a whole-word mention is one that does not cut a word in two, where
# a word is letters, marks and digits of a script written with spaces.
_UNSPACED = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))
# Every shape restore() reads as a placeholder: any case, white space, one dash or underscore.
_ANY_PLACEHOLDER = re.compile(
    r"\[\s*(COMPANY|PRODUCT|PERSON|EMAIL|URL|TEXT)\s*[-_‐‑–—]?\s*[0-9]+\s*\]", re.IGNORECASE
)


def _is_word(char: str) -> bool:
    return (
        unicodedata.category(char)[0] in "LMN"
        and unicodedata.east_asian_width(char) not in "WF"
        and not any(low <= ord(char) <= high for low, high in _UNSPACED)
    )


def _whole_word_mentions(name: str, text: str) -> list[tuple[int, int]]:
    def cuts(at: int) -> bool:
        return 0 < at < len(text) and _is_word(text[at - 1]) and _is_word(text[at])

    pattern = re.compile(re.escape(name), re.IGNORECASE)
    found = []
    match = pattern.search(text)
    while match:
        if not cuts(match.start()) and not cuts(match.end()):
            found.append(match.span())
        match = pattern.search(text, match.start() + 1)
    return found


_VOCABULARY = [
    "Acme", "Acme Cloud", "acme corp.", "COMPANY", "[COMPANY-1]", "Zoë", "Müller", "url",
    "Priya", "o'brien", "x@y.io", "東京", "a", "ab", " ", "..", "[", "-1]", "ab ab", "Zoë ab",
    "ae\u0301", "\u0301b",
]  # fmt: skip
_ALPHABET = st.sampled_from([*"aAbBeéëÉüÜßſKKıİ東_ '’.-@/:[](),\n\u0301", "e\u0301", "\u0e01"])
_NAME = st.one_of(st.sampled_from(_VOCABULARY), st.lists(_ALPHABET, max_size=6).map("".join))
_FRAGMENTS = [
    "[COMPANY-1]", "[ person_2 ]", "[TEXT-1]", "[URL-9]", "bob@acme.com", "Priya's",
    "https://acme.com/a_(b)", "(www.acme.io).", "'s", " ", "\n", ".", "(", ")", "[", "]", "-1]",
    "e\u0301", "_", "COMPANY", "Acme", "ACME CLOUD", "zoë@müller.de", "http://", "東京で",
]  # fmt: skip
_NAME_LISTS = st.builds(
    RedactionList,
    companies=st.lists(_NAME, max_size=3),
    products=st.lists(_NAME, max_size=3),
    people=st.lists(_NAME, max_size=3),
)


@st.composite
def _text_and_names(draw: st.DrawFn) -> tuple[str, RedactionList]:
    names = draw(_NAME_LISTS)
    listed = [*names.companies, *names.products, *names.people]
    piece = st.one_of(
        st.sampled_from(_FRAGMENTS),
        st.text(max_size=8),
        st.lists(_ALPHABET, max_size=5).map("".join),
        *([st.sampled_from(listed).map(str.upper), st.sampled_from(listed)] if listed else []),
    )
    return "".join(draw(st.lists(piece, max_size=14))), names


@settings(max_examples=600, deadline=None)
@given(case=_text_and_names())
def test_round_trip_is_exact_and_no_listed_name_is_sent(case: tuple[str, RedactionList]) -> None:
    text, names = case
    redacted = redact(text, names)
    assert redacted.restore(redacted.text) == text
    # Every placeholder-shaped span in what is sent is one of ours, in order.
    sent = [m.group() for m in _ANY_PLACEHOLDER.finditer(redacted.text)]
    assert sent == [placeholder for placeholder, _ in redacted.occurrences]
    ours = [m.span() for m in _ANY_PLACEHOLDER.finditer(redacted.text)]
    for name in [*names.companies, *names.products, *names.people]:
        if len(name.strip()) < 2:
            continue
        for start, end in _whole_word_mentions(name.strip(), redacted.text):
            # Only inside a placeholder, as when someone is called "Company".
            assert any(start < high and low < end for low, high in ours), (name, redacted.text)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=60))
def test_restore_changes_nothing_but_placeholders(text: str) -> None:
    redacted = redact("Acme, Priya and bob@acme.com", NAMES)
    if not _ANY_PLACEHOLDER.search(text):
        assert redacted.restore(text) == text


def test_apply_hides_the_same_names_in_new_text() -> None:
    names = RedactionList(companies=["Acme"], people=["Priya Shah"])
    redacted = redact("Priya Shah at Acme cut costs. Mail priya@acme.io.", names)
    story = "I worked with priya shah on ACME's billing, see priya@acme.io; Acmeville is unrelated."
    hidden = redacted.apply(story)
    assert "priya shah" not in hidden.lower() and "priya@acme.io" not in hidden
    assert "[PERSON-1]" in hidden and "[COMPANY-1]'s" in hidden and "Acmeville" in hidden
    assert redacted.restore(hidden).lower().count("acme") == story.lower().count("acme")

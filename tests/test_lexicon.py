"""The lexicon is data: it loads, a broken copy is refused naming the file, and each module reads
its words from it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from coach.bank import principles as bank
from coach.config import PROJECT_ROOT
from coach.errors import RubricError
from coach.judgement import changes, cues, figure_words, levels, prose
from coach.lexicon import Lexicon, alternation, load_lexicon, read_lexicon
from coach.llm.guard import PLACEHOLDER
from coach.models import HeaderFacts, PsiSection
from coach.surfaces import render as export

LEXICON_FILE = "lexicon.v1.yaml"
# Lists shown as they are written (names), not compared with lower-cased words.
_SHOWN_AS_WRITTEN = {"leadership_principles"}


def _word_lists(lexicon: Lexicon) -> dict[str, tuple[str, ...]]:
    return {
        name: value
        for name in Lexicon.model_fields
        if isinstance(value := getattr(lexicon, name), tuple)
    }


def test_the_lexicon_loads_once_with_every_list_filled() -> None:
    lexicon = load_lexicon()
    assert load_lexicon() is lexicon  # read once per process
    assert (lexicon.id, lexicon.version) == ("lexicon", 1)
    lists = _word_lists(lexicon)
    assert len(lists) == 22
    for name, words in lists.items():
        assert words, name
        assert len(set(words)) == len(words), name
        if name not in _SHOWN_AS_WRITTEN:
            assert all(word == word.lower() for word in words), name


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    source = (PROJECT_ROOT / "rubrics" / LEXICON_FILE).read_text(encoding="utf-8")
    assert old in source
    (tmp_path / LEXICON_FILE).write_text(source.replace(old, new, 1), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("irregular_past:", "irregular_pasts:", "irregular_pasts"),  # a misspelt key
        ("clause_breaks: [and, or, then, but, so]", "clause_breaks: []", "at least 1"),
        ("i_words: [i,", "i_words: [I,", "not lower-case: I"),
        ("finite_verbs: [is,", "finite_verbs: [has,", "listed twice: has"),
        ('in, "on", with', "in, on, with", "measured_over"),  # YAML reads a bare `on` as true
        ("  role: ", "  rolle: ", "rolle"),
        ("version: 1", "version: 2", "agree"),
        ("fact_placeholders:", "fact_placeholders: [\n", "cannot be read"),
    ],
)
def test_a_broken_lexicon_is_one_error_naming_the_file(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    directory = _copy(tmp_path, old, new)
    with pytest.raises(RubricError, match=re.escape(message)) as raised:
        read_lexicon(directory)
    assert LEXICON_FILE in raised.value.message
    assert raised.value.context == {"file": str(directory / LEXICON_FILE)}


def test_a_missing_lexicon_is_one_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="No lexicon"):
        read_lexicon(tmp_path)


def test_the_sentence_writer_reads_its_words_from_the_lexicon() -> None:
    lexicon = load_lexicon()
    assert lexicon.section_labels == prose.SECTION_LABELS  # in order: ties in length keep it
    assert frozenset(lexicon.irregular_past) == prose.IRREGULAR_PAST
    assert frozenset(lexicon.not_past_ed) == prose.NOT_PAST_ED
    assert frozenset(lexicon.clause_breaks) == prose._CLAUSE_BREAKS
    assert frozenset(lexicon.finite_verbs) == prose._FINITE
    assert frozenset(lexicon.measuring_verbs) == prose._MEASURING
    assert frozenset(lexicon.measured_over) == prose._MEASURED_OVER
    assert frozenset(lexicon.also_adjectives) == prose._ALSO_ADJECTIVES
    for word in lexicon.first_person_singular:
        assert prose.notes_subject(f"Then {word.upper()} left.") == "I"
    for word in lexicon.first_person_plural:
        assert prose.notes_subject(f"Then {word} left.") == "we"
    assert prose.notes_subject("Then they left.") == "I"


def test_whose_work_a_story_tells_is_read_from_the_lexicon() -> None:
    lexicon = load_lexicon()
    assert frozenset(lexicon.i_words) == levels.I_WORDS
    assert frozenset(lexicon.we_words) == levels.WE_WORDS
    assert frozenset(lexicon.we_words) | frozenset(lexicon.team_words) == levels.TEAM_WORDS


def test_number_words_are_one_list_for_cues_and_figures() -> None:
    lexicon = load_lexicon()
    assert frozenset(lexicon.number_words) == cues._NUMBER_WORDS
    assert cues._NUMBER_WORDS | frozenset(lexicon.figure_number_words) == figure_words.NUMBER_WORDS
    # The words figures knows the value of are number words, besides "a" ("a dozen") and "half".
    assert set(figure_words._WORD_VALUES) - {"a", "half"} <= cues._NUMBER_WORDS
    number = cues.CueSet([["# teams"]])
    for word in lexicon.number_words:
        assert number.matches(cues.tokenize(f"we had {word} teams")), word
    assert not number.matches(cues.tokenize("we had many teams"))


@pytest.mark.parametrize(
    ("words", "pattern", "text"),
    [
        ("reverse_gap_changes", changes._REVERSE_GAP.match, ", {} from "),
        ("relative_lead_verbs", changes._RELATIVE_LEAD.search, "we {} p99 by "),
        ("relative_tail_words", changes._RELATIVE_TAIL.match, " {}."),
        ("delta_lead_verbs", changes._DELTA_LEAD.search, "we {} costs by "),
        ("to_lead_verbs", changes._TO_LEAD.search, "we {} p99 down to "),
    ],
)
def test_change_words_are_the_lexicons(
    words: str, pattern: Callable[[str], object], text: str
) -> None:
    listed = getattr(load_lexicon(), words)
    for word in listed:
        assert pattern(text.format(word)), word
        assert pattern(text.format(word.upper())), word
    unlisted = next(w for w in ("painted", "painting", "paint") if w not in listed)
    assert not pattern(text.format(unlisted))


def test_alternation_takes_each_word_literally_in_order() -> None:
    words = alternation(["vs.", "a|b", "savings", "saving"])
    assert words == r"vs\.|a\|b|savings|saving"
    assert not re.fullmatch(words, "vsx")
    longest = re.match(words, "savings")
    assert longest is not None and longest.group() == "savings"


def test_the_bank_and_the_export_read_their_texts_from_the_lexicon() -> None:
    lexicon = load_lexicon()
    assert lexicon.leadership_principles == bank.LEADERSHIP_PRINCIPLES
    assert len(bank.LEADERSHIP_PRINCIPLES) == 16
    assert lexicon.fact_placeholders.model_dump() == export._FACT_PLACEHOLDERS
    assert list(export._FACT_PLACEHOLDERS) == list(HeaderFacts.model_fields)
    assert set(export._PSI_PLACEHOLDERS) == set(PsiSection)
    for section, text in export._PSI_PLACEHOLDERS.items():
        assert text == getattr(lexicon.psi_placeholders, section.value)
    # A placeholder is one the guard and the spoken cut recognise as a gap.
    for text in [*export._FACT_PLACEHOLDERS.values(), *export._PSI_PLACEHOLDERS.values()]:
        assert PLACEHOLDER.fullmatch(text), text

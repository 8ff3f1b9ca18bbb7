"""The notice for notes mostly not in English: other languages get it, English never does."""

from __future__ import annotations

import pytest

from coach.config import PROJECT_ROOT
from coach.judgement.language import language_flag, mostly_not_english
from coach.judgement.rubrics import RubricSet
from coach.learning.corpus import read_corpus

OTHER_LANGUAGES = [
    "Der nächtliche Export dauerte zwei Stunden. Ich habe die Abfrage neu geschrieben, und die "
    "Berichte sind jetzt um sechs Uhr fertig für das Team.",
    "Nuestro trabajo de exportación tardaba dos horas. Yo reescribí la consulta para que el "
    "informe llegue a las seis y el equipo de finanzas no espere.",
    "Le traitement de nuit prenait deux heures. Je suis parti des traces et nous avons réécrit la "
    "requête pour que le rapport soit prêt pour les équipes avant six heures.",
    "夜間のエクスポートは2時間かかっていました。私はクエリを書き直し、レポートは6時に届くようになりました。",
    "Ночная выгрузка занимала два часа. Я переписал запрос, и теперь отчёты готовы к шести утра.",
]


@pytest.mark.parametrize("notes", OTHER_LANGUAGES)
def test_other_languages_get_the_notice(notes: str, rubrics: RubricSet) -> None:
    flag = language_flag(notes, rubrics.language)
    assert flag is not None and flag.code == "not_english" and "English only" in flag.message


def test_no_english_story_of_the_corpus_gets_it(rubrics: RubricSet) -> None:
    stories = read_corpus([PROJECT_ROOT / "corpus" / "stories"])
    flagged = [s.record.id for s in stories if mostly_not_english(s.record.notes, rubrics.language)]
    assert len(stories) > 600 and flagged == []


def test_terse_english_notes_and_short_foreign_words_do_not(rubrics: RubricSet) -> None:
    terse = "nightly export slow, took 2+ hrs. rewrote join as batch query -> 12 min. DB lead ok."
    assert not mostly_not_english(terse, rubrics.language)
    assert not mostly_not_english("Migrated Kafka клaстер", rubrics.language)

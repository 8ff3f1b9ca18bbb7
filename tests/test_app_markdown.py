"""Model-written text reaches the page as plain text: flags, gap prompts and question labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from coach.config import PROJECT_ROOT
from coach.llm.pipeline import run_coach
from coach.models import Flag, Placeholder, Question, Section

APP = str(PROJECT_ROOT / "app.py")
NOTES = "Situation: checkout p99 was 850ms.\nAction: I moved the call to a queue."
MARKUP = "**loud** [link](http://x) $5"
ESCAPED = "\\*\\*loud\\*\\* \\[link\\](http://x) \\$5"


def _with_model_markup(notes: str, **kwargs: Any) -> Any:
    result = run_coach(notes, **kwargs)
    story = result.story.model_copy(
        update={
            "sections": {**result.story.sections, Section.LESSONS: []},
            "placeholders": [Placeholder(section=Section.LESSONS, slot="lesson", text=MARKUP)],
        }
    )
    return result.model_copy(
        update={
            "story": story,
            "flags": [Flag(code="unsupported_claim", message=MARKUP)],
            "questions": [
                Question(slot="section.lessons", question=MARKUP, gain=2, section=Section.LESSONS)
            ],
        }
    )


def test_model_text_is_escaped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYCOACH_DATA_DIR", str(tmp_path / "data"))
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    app.text_area(key="notes").input(NOTES)
    with mock.patch("coach.llm.pipeline.run_coach", side_effect=_with_model_markup):
        next(b for b in app.button if b.label == "Coach").click()
        app.run()
    assert not app.exception, app.exception
    assert [w.value for w in app.warning] == [ESCAPED]
    assert ESCAPED in [i.value for i in app.info]
    assert app.text_area(key="answer_0").label == f"{ESCAPED} (+2 points · goes to Lessons Learned)"

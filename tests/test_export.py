"""Exports: the seed's case-study Markdown, the JSON contract, and the 2-3 minute spoken cut."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from coach.config import get_settings
from coach.judgement.rubrics import RubricSet
from coach.learning.calibration import seed_case_studies
from coach.llm.pipeline import run_coach
from coach.models import SECTION_TITLES, CoachResult, Engine, Framework, Level, RunOptions, Section
from coach.surfaces.contract import story_json, to_contract
from coach.surfaces.render import (
    UNTITLED,
    SpokenVersion,
    case_study_markdown,
    markdown_escape,
    spoken_text_with_time,
    spoken_version,
)

from .conftest import coach
from .fakes import ScriptedModel, script

SHORT = (
    "Situation: our deploys took 40 minutes and failed 1 in 5 runs, blocking six teams.\n"
    "Result: I cut deploy time from 40 minutes to 12 minutes.\n"
)
MARKUP = (
    "Faster <b>deploys</b> & **CI**¶\n"
    "Role: Staff *engineer* <i>x</i>\n"
    "Technologies: Go, `Bazel`, &lt;Jenkins&gt;\n"
    "Situation: our deploys took 40 minutes and failed 1 in 5 runs, blocking six teams.\n"
    "Result: I cut deploy time from 40 minutes to 12 minutes. "
    # Not "My notes say ...": with closing tags that reads as text addressed to the coach, and the
    # injection reader blanks it, which is not what this test is about.
    "I kept **bold** <script>x</script> [link](http://x.test) in the docs.\n"
)
TIME_LINE = re.compile(
    r"^Estimated speaking time: (?:(\d+) min)? ?(?:(\d+) s)? "
    r"\((\d+) words? at (\d+) words a minute\)$"
)
FAKE_KEY = "sk-test-FAKE-export-key-4242"


@pytest.fixture(scope="module")
def seed_case(rubrics: RubricSet, seed_text: str) -> tuple[str, CoachResult]:
    """The seed's first case study (L6), coached offline."""
    case = seed_case_studies(seed_text)[0]
    return case.notes, coach(case.notes, rubrics, target=Level.L6)


@pytest.fixture(scope="module")
def short(rubrics: RubricSet) -> CoachResult:
    """A story with no header facts, no title and most sections missing."""
    return coach(SHORT, rubrics)


def headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("#")]


# --- case-study Markdown ------------------------------------------------------------------------


def test_markdown_follows_the_seeds_case_study_layout(seed_case: tuple[str, CoachResult]) -> None:
    notes, result = seed_case
    markdown = case_study_markdown(result)
    lines = markdown.splitlines()
    assert lines[0] == "# Microservice Performance Optimization"
    facts = [
        "**Duration:** 4 months",
        "**Role:** Senior Software Engineer",
        "**Team Size:** 6 engineers",
        "**Technologies:** Java Spring Boot, PostgreSQL, Redis, Kubernetes",
    ]
    positions = [lines.index(fact) for fact in facts]
    assert positions == sorted(positions) and positions[-1] < lines.index("## Situation")
    star = [f"## {SECTION_TITLES[s]}" for s in Section]
    assert headings(markdown) == [lines[0], *star, "## Scores"]
    # The seed's own section headings appear in the same order.
    seed_sections = [
        f"## {line.rstrip('¶')}"
        for line in notes.splitlines()
        if line.rstrip("¶") in SECTION_TITLES.values()
    ]
    assert seed_sections and [h for h in star if h in seed_sections] == seed_sections
    situation = lines[lines.index("## Situation") + 1 : lines.index("## Task")]
    first = result.story.elements(Section.SITUATION)[0].text
    assert situation[0] == f"- {markdown_escape(first)}"
    # The seed has no trade-off section: a visible placeholder stands in for it.
    tradeoffs = lines[lines.index("## Trade-off Analysis") + 1]
    assert tradeoffs.startswith("- _[[Add the trade-offs") and tradeoffs.endswith("]]_")


def test_markdown_footer_scores_and_version(seed_case: tuple[str, CoachResult]) -> None:
    _, result = seed_case
    markdown = case_study_markdown(result, title="Order service at Black Friday", version=3)
    assert markdown.startswith("# Order service at Black Friday\n")
    footer = markdown[markdown.index("## Scores") :].splitlines()
    s = result.scores
    assert footer[2:] == [
        f"- Overall: {s.overall.value}/100",
        f"- Quantification: {s.quantification.value}/100",
        f"- Structure: {s.structure.value}/100",
        f"- Level fit: {s.level_fit.value}/100",
        f"- Reads {result.level.estimate.value} for target L6",
        "- Engine: offline",
        "- Version: 3",
    ]
    assert "Version" not in case_study_markdown(result)


def test_missing_title_facts_and_sections_get_visible_placeholders(short: CoachResult) -> None:
    markdown = case_study_markdown(short)
    lines = markdown.splitlines()
    assert lines[0] == f"# {UNTITLED}"
    for label, placeholder in [
        ("Duration", "[[Add the duration]]"),
        ("Role", "[[Add your role]]"),
        ("Team Size", "[[Add the team size]]"),
        ("Technologies", "[[Add the technologies]]"),
    ]:
        assert f"**{label}:** _{placeholder}_" in lines
    assert short.story.placeholders
    for gap in short.story.placeholders:
        heading = lines.index(f"## {SECTION_TITLES[gap.section]}")
        assert lines[heading + 1] == f"- _{gap.text}_"
    assert case_study_markdown(short, title="  ").startswith(f"# {UNTITLED}\n")


def test_user_markup_is_shown_not_rendered(rubrics: RubricSet) -> None:
    result = coach(MARKUP, rubrics)
    markdown = case_study_markdown(result, version=1)
    for raw in ("<b>", "<i>", "<script>", "**bold**", "*engineer*", "`Bazel`", "[link]"):
        assert raw not in markdown, raw
    assert markdown.startswith("# Faster \\<b\\>deploys\\</b\\> \\& \\*\\*CI\\*\\*\n")
    assert "**Role:** Staff \\*engineer\\* \\<i\\>x\\</i\\>" in markdown
    assert "\\*\\*bold\\*\\* \\<script\\>x\\</script\\>" in markdown
    titled = case_study_markdown(result, title="1. <img src=x onerror=alert(1)>")
    assert titled.startswith("# 1\\. \\<img src=x onerror=alert(1)\\>\n")

    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(
        markdown
    )  # raw HTML allowed, as in a browser
    for rendered in ("<script", "<b>", "<i>", "<code>", "<a ", "<strong>bold", "<em>engineer"):
        assert rendered not in html, rendered
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "**bold**" in html
    assert "&amp;lt;Jenkins&amp;gt;" in html  # the entity as typed, not decoded
    assert "<em>[[Add the duration]]</em>" in html
    assert "<img" not in markdown_it.MarkdownIt("commonmark").render(titled)


def test_a_leading_list_marker_stays_text(short: CoachResult) -> None:
    # The segmenter strips list markers from notes; a model's rewrite could still start with one.
    element = short.story.elements(Section.RESULT)[0]
    texts = ["1. first", "2) second", "- third", "+ fourth", "---", "=== fifth"]
    elements = [element.model_copy(update={"text": text}) for text in texts]
    sections = {**short.story.sections, Section.RESULT: elements}
    result = short.model_copy(
        update={"story": short.story.model_copy(update={"sections": sections})}
    )
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").render(case_study_markdown(result))
    assert "<ol" not in html and "<hr" not in html and "<h1>Untitled" in html
    assert html.count("<ul>") == len(Section) + 1  # one list per section and the scores
    for text in texts:
        assert f"<li>{text}</li>" in html


def test_psi_export_uses_problem_solution_impact(rubrics: RubricSet, seed_text: str) -> None:
    notes = seed_case_studies(seed_text)[0].notes
    result = coach(notes, rubrics, framework=Framework.PSI)
    assert result.psi is not None
    markdown = case_study_markdown(result)
    assert headings(markdown)[1:] == ["## Problem", "## Solution", "## Impact", "## Scores"]
    assert "**Duration:** 4 months" in markdown
    impact = result.psi.sections[next(iter(reversed(result.psi.sections)))]
    assert f"- {markdown_escape(impact[0].text)}" in markdown


# --- JSON ---------------------------------------------------------------------------------------


def test_json_keeps_the_contract_and_adds_title_and_version(
    seed_case: tuple[str, CoachResult],
) -> None:
    _, result = seed_case
    text = story_json(result, title="Order service", version=2)
    assert text.startswith("{\n  ") and text.endswith("}\n")
    data = json.loads(text)
    contract = json.loads(json.dumps(to_contract(result)))
    for field, value in contract.items():
        assert data[field] == value, field
    assert set(data) - set(contract) == {"export"}
    assert data["export"]["title"] == "Order service" and data["export"]["version"] == 2
    assert data["export"]["header"]["duration"] == "4 months"  # the notes' own fact
    assert data["title"]["text"] == "Microservice Performance Optimization"  # the contract's span
    for field in ("engine", "story", "metrics", "scores", "level", "questions", "flags"):
        assert field in data


def test_json_title_falls_back(short: CoachResult, seed_case: tuple[str, CoachResult]) -> None:
    export = json.loads(story_json(short))["export"]
    assert (export["title"], export["version"]) == (UNTITLED, None)
    seed_title = json.loads(story_json(seed_case[1]))["export"]["title"]
    assert seed_title == "Microservice Performance Optimization"


# --- the spoken version -------------------------------------------------------------------------


def test_spoken_seed_story_fits_two_to_three_minutes(seed_case: tuple[str, CoachResult]) -> None:
    _, result = seed_case
    assert result.spoken_seconds > 180  # the written story is too long to say as it stands
    spoken = spoken_version(result)
    assert 120 <= spoken.seconds <= 180
    assert spoken.seconds == round(spoken.words / 150 * 60)
    assert "[[" not in spoken.text and "#" not in spoken.text
    for title in SECTION_TITLES.values():
        assert f"{title}\n" not in spoken.text
    for metric in (m for m in result.metrics if m.section is Section.RESULT):
        assert metric.text in spoken.text, metric.text
    paragraphs = spoken.text.split("\n\n")
    situation = result.story.elements(Section.SITUATION)
    assert paragraphs[0].startswith(situation[0].text)
    assert situation[1].text in paragraphs[0] and situation[2].text not in spoken.text
    task = result.story.elements(Section.TASK)
    assert paragraphs[1] == task[0].text
    # Figures first: the result paragraph ends with the one result sentence without a figure.
    assert paragraphs[3].endswith(
        "I enabled marketing team to run more aggressive promotional campaigns."
    )
    assert spoken.dropped == [
        Section.SITUATION,
        Section.TASK,
        Section.TRADEOFFS,
        Section.FUTURE_APPLICATIONS,
    ]


def test_spoken_cut_drops_the_lowest_priority_first(seed_case: tuple[str, CoachResult]) -> None:
    _, result = seed_case
    spoken = spoken_version(result, max_seconds=90)
    assert spoken.seconds <= 90
    for section in (Section.LEADERSHIP_IMPACT, Section.LESSONS):
        assert section in spoken.dropped
        assert result.story.elements(section)[0].text not in spoken.text
    actions = [e.text for e in result.story.elements(Section.ACTION)]
    kept = [a for a in actions if a.rstrip(":") in spoken.text]
    assert kept and kept == actions[: len(kept)] and len(kept) < len(actions)  # a prefix, in order
    assert Section.ACTION in spoken.dropped
    for metric in (m for m in result.metrics if m.section is Section.RESULT):
        assert metric.text in spoken.text, metric.text
    slower = spoken_version(result, words_per_minute=120, max_seconds=90)
    assert slower.words < spoken.words and slower.seconds <= 90


def test_placeholders_are_never_spoken(short: CoachResult) -> None:
    spoken = spoken_version(short)
    assert "[[" not in spoken.text
    assert spoken.text == (
        "Our deploys took 40 minutes and failed 1 in 5 runs, blocking six teams.\n\n"
        "I cut deploy time from 40 minutes to 12 minutes."
    )
    assert spoken.dropped == [p.section for p in short.story.placeholders]
    assert spoken.seconds == round(spoken.words * 60 / 150)


def test_a_placeholder_inside_a_sentence_is_not_spoken(short: CoachResult) -> None:
    # A model's rewrite may leave a gap mid-sentence; it is shown in Markdown, never spoken.
    result_section = short.story.elements(Section.RESULT)
    gap = result_section[0].model_copy(update={"text": "It saved [[how many hours a week?]]"})
    sections = {**short.story.sections, Section.RESULT: [*result_section, gap]}
    result = short.model_copy(
        update={"story": short.story.model_copy(update={"sections": sections})}
    )
    spoken = spoken_version(result)
    assert "[[" not in spoken.text and "saved" not in spoken.text
    assert Section.RESULT in spoken.dropped
    assert "- It saved \\[\\[how many hours a week?\\]\\]" in case_study_markdown(result)


def test_time_line_format(seed_case: tuple[str, CoachResult]) -> None:
    version = SpokenVersion(text="We shipped.", words=385, seconds=154, dropped=[])
    assert spoken_text_with_time(version) == (
        "Estimated speaking time: 2 min 34 s (385 words at 150 words a minute)\n\nWe shipped.\n"
    )
    even = SpokenVersion(text="x", words=300, seconds=120, dropped=[], words_per_minute=150)
    assert spoken_text_with_time(even).startswith("Estimated speaking time: 2 min (300 words")
    brief = SpokenVersion(text="x", words=1, seconds=0, dropped=[])
    assert spoken_text_with_time(brief).startswith("Estimated speaking time: 0 s (1 word at")

    spoken = spoken_version(seed_case[1])
    header, text = spoken_text_with_time(spoken).split("\n\n", 1)
    match = TIME_LINE.match(header)
    assert match is not None, header
    minutes, seconds, words, wpm = (int(g or 0) for g in match.groups())
    assert minutes * 60 + seconds == spoken.seconds and words == spoken.words and wpm == 150
    assert text == spoken.text + "\n"


def test_spoken_version_refuses_a_nonsense_pace(short: CoachResult) -> None:
    with pytest.raises(ValueError):
        spoken_version(short, words_per_minute=0)


# --- no secret in any export --------------------------------------------------------------------


def _exports(result: CoachResult) -> list[str]:
    return [
        case_study_markdown(result, title="t", version=1),
        story_json(result, title="t", version=1),
        spoken_text_with_time(spoken_version(result)),
    ]


# The model's answers for SHORT: every sentence cites the unit it rests on, so the guard keeps
# them (SHORT's units: [1] its situation, [2] its result).
SHORT_STORY = {
    "situation": [
        {
            "text": "Our deploys took 40 minutes and failed 1 in 5 runs.",
            "units": [1],
        }
    ],
    "result": [
        {
            "text": "I cut deploy time from 40 minutes to 12 minutes.",
            "units": [2],
        }
    ],
    "gaps": [{"section": "action", "question": "What did you change in the pipeline?"}],
}
SHORT_VERDICT = {"level": "L5", "signals": [], "to_target": []}


@pytest.mark.parametrize("engine", [Engine.OFFLINE, Engine.LLM])
def test_no_export_contains_the_api_key(
    engine: Engine, rubrics: RubricSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEY)
    monkeypatch.setenv("STORYCOACH_TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken"))
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == FAKE_KEY
    result = run_coach(
        SHORT,
        settings=settings,
        rubrics=rubrics,
        options=RunOptions(engine=engine),
        model_factory=lambda: ScriptedModel(
            script=script(story=SHORT_STORY, verdict=SHORT_VERDICT)
        ),
        sleep=lambda _: None,
    )
    assert result.engine is engine and (result.llm is not None) is (engine is Engine.LLM)
    for export in _exports(result):
        assert FAKE_KEY not in export
        assert "FAKE-export" not in export


def test_header_facts_filled_in_reach_every_export(short: CoachResult) -> None:
    given = {"duration": "Four months", "role": "Tech lead"}
    markdown = case_study_markdown(short, title="Deploys", header=given)
    assert "**Duration:** Four months" in markdown and "**Role:** Tech lead" in markdown
    assert "[[Add the team size]]" in markdown  # still missing: still a marked gap
    exported = json.loads(story_json(short, title="Deploys", header=given))["export"]["header"]
    assert exported["duration"] == "Four months" and exported["team_size"] == ""

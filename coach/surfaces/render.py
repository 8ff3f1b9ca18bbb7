"""Every way a coaching result is shown to people, with the one Markdown escaper: the CLI's report,
the case-study export, user text with highlights, and the spoken cut timed for an interview.

User text always passes through `markdown_escape`: it is shown as typed, never rendered as HTML or
Markdown. Every rendering is a pure function of a `CoachResult`, which never holds a key, so
nothing secret can reach a download.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from coach.judgement.rubrics.star import StarPlusRubric
from coach.judgement.segmenter import count_words
from coach.judgement.structure import seconds_to_say
from coach.lexicon import load_lexicon
from coach.models import (
    PSI_TITLES,
    SCORE_TITLES,
    SECTION_TITLES,
    CoachResult,
    Excerpt,
    Framework,
    PsiSection,
    Section,
    StoryElement,
)

# "&" too: an entity the user typed ("&lt;") would otherwise display decoded.
_MD_SPECIAL: Final = frozenset("\\`*_[]<>#|~$&")
_LEADING_NUMBER: Final = re.compile(r"^(\d{1,9})([.)])")
_LEADING_MARK: Final = re.compile(r"^([-+=])")

UNTITLED = "Untitled story"
# The shipped rubric's pace and longest ideal answer (rubrics/star_plus.v3.yaml, score.length), for
# callers without a rubric; callers with one use `spoken_version_for`.
DEFAULT_WORDS_PER_MINUTE = 150
DEFAULT_MAX_SECONDS = 180

# The seed's case-study header, in its order; keys are `HeaderFacts.facts()` names.
FACT_LABELS = {  # the case study's header facts, as the seed labels them
    "duration": "Duration",
    "role": "Role",
    "team_size": "Team Size",
    "technologies": "Technologies",
}
# What an empty header fact or PSI section shows (rubrics/lexicon.v1.yaml).
_FACT_PLACEHOLDERS: dict[str, str] = load_lexicon().fact_placeholders.model_dump()
_PSI_PLACEHOLDERS: dict[PsiSection, str] = {
    PsiSection(name): text for name, text in load_lexicon().psi_placeholders.model_dump().items()
}
_PLACEHOLDER_MARK = "[["
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def _placeholder_md(text: str) -> str:
    """A placeholder in italics, its [[brackets]] kept visible and its words escaped."""
    inner = text.strip()
    if inner.startswith("[[") and inner.endswith("]]"):
        inner = inner[2:-2].strip()
    # Model-written gaps may carry markup; with every "[" of user text escaped no link reference
    # can exist, so the bare brackets render literally.
    return f"_[[{markdown_escape(inner)}]]_"


def export_title(result: CoachResult, title: str | None) -> str:
    """The export's title: the one given, else the story's own, else a neutral one."""
    for candidate in (title, result.story.title.text if result.story.title else None):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return UNTITLED


def _sections(result: CoachResult) -> list[tuple[str, list[StoryElement], str]]:
    """(heading, elements, placeholder) per section of the story's framework, in order."""
    if result.framework is Framework.PSI and result.psi is not None:
        psi = result.psi.sections
        return [(PSI_TITLES[s], psi.get(s, []), _PSI_PLACEHOLDERS[s]) for s in PsiSection]
    placeholders = {p.section: p.text for p in result.story.placeholders}
    return [
        (
            SECTION_TITLES[section],
            result.story.elements(section),
            placeholders.get(section, f"[[Add the {SECTION_TITLES[section].lower()}]]"),
        )
        for section in Section
    ]


def header_facts(result: CoachResult, given: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each header fact's text: what the user filled in, else what the notes say, else ""."""
    facts = {
        name: excerpt.text.strip() if excerpt is not None else ""
        for name, excerpt in result.story.header.facts().items()
    }
    return facts | {name: text for name, text in (given or {}).items() if text.strip()}


def case_study_markdown(
    result: CoachResult,
    *,
    title: str | None = None,
    version: int | None = None,
    header: Mapping[str, str] | None = None,
) -> str:
    """Render the story in the seed's case-study layout: title, header facts, sections, scores.

    `header` holds the facts the user filled in; they win over the notes' own.
    """
    lines = [f"# {markdown_escape(export_title(result, title))}", ""]
    for name, text in header_facts(result, header).items():
        value = markdown_escape(text) if text else _placeholder_md(_FACT_PLACEHOLDERS[name])
        # One paragraph per fact: consecutive lines would run together when rendered.
        lines += [f"**{FACT_LABELS[name]}:** {value}", ""]
    for heading, elements, placeholder in _sections(result):
        lines.append(f"## {heading}")
        lines += [f"- {markdown_escape(e.text)}" for e in elements] or [
            f"- {_placeholder_md(placeholder)}"
        ]
        lines.append("")
    lines += ["## Scores", ""]
    lines += [
        f"- {SCORE_TITLES[name]}: {score.value}/100"
        for name, score in result.scores.by_name().items()
    ]
    lines += [
        f"- Reads {result.level.estimate.value} for target {result.level.target.value}",
        f"- Engine: {result.engine.value}",
    ]
    if version is not None:
        lines.append(f"- Version: {version}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class SpokenVersion:
    """The story cut to interview length, and the sections that lost sentences."""

    text: str
    words: int
    seconds: int
    dropped: list[Section]
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE


@dataclass(frozen=True, slots=True)
class _Sentence:
    section: Section
    rank: int  # position within its section's spoken paragraph
    text: str
    words: int


def _spoken(text: str) -> str:
    """A story element as a spoken sentence: one line, ending in a full stop."""
    sentence = " ".join(text.split()).rstrip(",;:- ")
    return sentence if _SENTENCE_END.search(sentence) else sentence + "."


def _has_figure(result: CoachResult, element: StoryElement) -> bool:
    """Whether a figure of the notes lies in the element (or the spans a rewrite rests on)."""
    spans = [(element.start, element.end), *((s.start, s.end) for s in element.sources)]
    return any(m.start < end and start < m.end for m in result.metrics for start, end in spans)


def _priorities(result: CoachResult) -> tuple[list[_Sentence], set[Section]]:
    """Speakable sentences, most important first, and the sections cut before timing."""
    cut: set[Section] = {p.section for p in result.story.placeholders}
    speakable: dict[Section, list[StoryElement]] = {}
    for section in Section:
        elements = result.story.elements(section)
        # A placeholder is never spoken, even one a model left inside a sentence.
        speakable[section] = [
            e for e in elements if e.text.strip() and _PLACEHOLDER_MARK not in e.text
        ]
        if len(speakable[section]) < len(elements):
            cut.add(section)

    def said(section: Section, elements: list[StoryElement]) -> list[_Sentence]:
        return [
            _Sentence(section, rank, _spoken(e.text), count_words(e.text))
            for rank, e in enumerate(elements)
        ]

    situation = said(Section.SITUATION, speakable[Section.SITUATION])
    task = said(Section.TASK, speakable[Section.TASK])
    action = said(Section.ACTION, speakable[Section.ACTION])
    results = speakable[Section.RESULT]
    measured = [_has_figure(result, e) for e in results]
    figures = [e for e, has in zip(results, measured, strict=True) if has]
    others = [e for e, has in zip(results, measured, strict=True) if not has]
    result_sentences = said(Section.RESULT, figures + others)
    if len(situation) > 2:
        cut.add(Section.SITUATION)
    if len(task) > 1:
        cut.add(Section.TASK)
    # The bare story (context, goal, measured outcome, first action) outranks everything else;
    # the rest of the actions, then the plus sections, fill the time that remains.
    ordered = [
        *situation[:1],
        *task[:1],
        *result_sentences[: len(figures)],
        *action[:1],
        *situation[1:2],
        *result_sentences[len(figures) :],
        *action[1:],
    ]
    for section in (
        Section.LEADERSHIP_IMPACT,
        Section.TRADEOFFS,
        Section.LESSONS,
        Section.FUTURE_APPLICATIONS,
    ):
        ordered += said(section, speakable[section])
    return ordered, cut


def spoken_version(
    result: CoachResult,
    *,
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE,
    max_seconds: int = DEFAULT_MAX_SECONDS,
) -> SpokenVersion:
    """Cut the story to at most `max_seconds` spoken, dropping the lowest-priority sentences."""
    if words_per_minute <= 0 or max_seconds < 0:
        raise ValueError("words_per_minute must be positive and max_seconds not negative.")
    kept, cut = _priorities(result)
    words = sum(s.words for s in kept)
    while kept and seconds_to_say(words, words_per_minute) > max_seconds:
        last = kept.pop()
        words -= last.words
        cut.add(last.section)
    paragraphs = []
    for section in Section:
        sentences = sorted((s for s in kept if s.section is section), key=lambda s: s.rank)
        if sentences:
            paragraphs.append(" ".join(s.text for s in sentences))
    return SpokenVersion(
        text="\n\n".join(paragraphs),
        words=words,
        seconds=seconds_to_say(words, words_per_minute),
        dropped=[section for section in Section if section in cut],
        words_per_minute=words_per_minute,
    )


def spoken_version_for(result: CoachResult, rubric: StarPlusRubric) -> SpokenVersion:
    """Cut the story to the rubric's longest ideal answer, timed at the rubric's speaking pace."""
    length = rubric.score.length
    return spoken_version(
        result, words_per_minute=length.words_per_minute, max_seconds=length.ideal_seconds[1]
    )


def _duration(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def spoken_text_with_time(version: SpokenVersion) -> str:
    """Return the spoken cut as a download, headed by its estimated speaking time."""
    words = f"{version.words} word{'' if version.words == 1 else 's'}"
    header = (
        f"Estimated speaking time: {_duration(version.seconds)} "
        f"({words} at {version.words_per_minute} words a minute)"
    )
    return f"{header}\n\n{version.text}\n" if version.text else header + "\n"


def markdown_escape(text: str) -> str:
    """User text as inert Markdown, on one line: shown as typed, never rendered. The one escaper
    for the CLI report, the exports and the app."""
    escaped = " ".join("".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text).split())
    # A leading "1." / "2)" or "-", "+", "=" would make the text a list, a rule or a heading.
    escaped = _LEADING_NUMBER.sub(r"\1\\\2", escaped)
    return _LEADING_MARK.sub(r"\\\1", escaped)


def quoted(excerpts: Iterable[Excerpt], separator: str = ", ") -> str:
    """Words of the notes as the reports quote them: each escaped, in curly quotes."""
    return separator.join(f"“{markdown_escape(e.text)}”" for e in excerpts)


def to_markdown(result: CoachResult) -> str:
    """A readable report of one run."""
    lines: list[str] = []
    title = result.story.title.text if result.story.title else "Your story"
    lines.append(f"# {markdown_escape(title)}")
    lines.append("")
    s = result.scores
    lines.append(
        f"**Overall {s.overall.value}/100** · quantification {s.quantification.value} · "
        f"structure {s.structure.value} · level fit {s.level_fit.value} · "
        f"reads **{result.level.estimate.value}** (target {result.level.target.value}) · "
        f"{result.word_count} words, about {result.spoken_seconds} s spoken · "
        f"engine: {result.engine.value}"
    )
    lines.append("")
    header = result.story.header.facts()
    facts = [
        f"{name.replace('_', ' ').title()}: {markdown_escape(v.text)}"
        for name, v in header.items()
        if v
    ]
    if facts:
        lines.append(" · ".join(facts))
        lines.append("")
    if result.framework is Framework.PSI and result.psi:
        for psi_section, elements in result.psi.sections.items():
            share = result.psi.shares[psi_section]
            target = result.psi.target_shares[psi_section]
            lines.append(f"## {PSI_TITLES[psi_section]} ({share:.0%} of words, aim {target:.0%})")
            lines += [f"- {markdown_escape(e.text)}" for e in elements] or ["- _(nothing yet)_"]
            lines.append("")
    else:
        placeholders = {p.section: p for p in result.story.placeholders}
        for section in Section:
            lines.append(f"## {SECTION_TITLES[section]}")
            elements = result.story.elements(section)
            lines += [f"- {markdown_escape(e.text)}" for e in elements]
            if not elements and section in placeholders:
                lines.append(f"- _{placeholders[section].text}_")
            lines.append("")
    lines.append("## Scores")
    for score in (s.quantification, s.structure, s.level_fit):
        lines.append(f"### {score.name.replace('_', ' ').capitalize()}: {score.value}/100")
        for c in score.components:
            lines.append(
                f"- {c.name.replace('_', ' ')}: {c.points:g}/{c.max_points:g} — "
                f"{markdown_escape(c.reason)} ({markdown_escape(c.rubric)})"
            )
        lines.append("")
    lines.append(
        f"## Level: reads {result.level.estimate.value}, target {result.level.target.value}"
    )
    for signal in result.level.signals:
        evidence = quoted(signal.evidence) or "no evidence"
        lines.append(f"- {signal.dimension.replace('_', ' ')}: {signal.level.value} — {evidence}")
    if result.level.to_target:
        lines.append("")
        lines.append("To read at the target level:")
        lines += [f"- {markdown_escape(t)}" for t in result.level.to_target]
    lines.append("")
    lines.append("## Metrics")
    if result.metrics:
        lines.append("| figure | kind | baseline | window | method | confidence | attribution |")
        lines.append("|---|---|---|---|---|---|---|")
        for m in result.metrics:
            marks = ["yes" if getattr(m, c) else "—" for c in (
                "baseline", "time_window", "method", "confidence", "attribution")]  # fmt: skip
            lines.append(
                f"| {markdown_escape(m.text)} | {m.kind.value} | " + " | ".join(marks) + " |"
            )
    else:
        lines.append("No figures found.")
    lines.append("")
    lines.append("## Questions that would make it stronger")
    for i, q in enumerate(result.questions, start=1):
        lines.append(f"{i}. {markdown_escape(q.question)} _(+{q.gain:g} points)_")
    if result.flags:
        lines.append("")
        lines.append("## Flags")
        for flag in result.flags:
            lines.append(f"- **{flag.code}**: {markdown_escape(flag.message)}")
    return "\n".join(lines) + "\n"


def highlighted_markdown(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` escaped for Markdown, each span wrapped in Streamlit's highlight syntax."""
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(spans):
        if start < cursor or end <= start or end > len(text):
            continue  # overlapping or out-of-range spans are shown plain
        pieces.append(_escaped(text[cursor:start]))
        pieces.append(f":orange-background[{_escaped(text[start:end])}]")
        cursor = end
    pieces.append(_escaped(text[cursor:]))
    return "".join(pieces)


def _escaped(text: str) -> str:
    # Keep the notes' line breaks: Markdown needs two trailing spaces for a hard break.
    return "  \n".join(_escaped_line(line) for line in text.split("\n"))


def _escaped_line(line: str) -> str:
    # markdown_escape trims both ends, but a piece next to a highlight must keep the space
    # between them, or "by 30% in" renders as "by30%in".
    escaped = markdown_escape(line)
    lead = " " if line[:1].isspace() else ""
    trail = " " if escaped and line[-1:].isspace() else ""
    return lead + escaped + trail

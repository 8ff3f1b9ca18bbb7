"""Render a coaching result: the JSON contract scripts rely on, and Markdown for people."""

from __future__ import annotations

import re
from typing import Any, Final

import pydantic_core
from pydantic import TypeAdapter

from coach.models import (
    PSI_TITLES,
    SECTION_TITLES,
    CoachResult,
    Excerpt,
    Framework,
    Placeholder,
    Score,
    ScoreComponent,
    Section,
)

# "&" too: an entity the user typed ("&lt;") would otherwise display decoded.
_MD_SPECIAL: Final = frozenset("\\`*_[]<>#|~$&")
_LEADING_NUMBER: Final = re.compile(r"^(\d{1,9})([.)])")
_LEADING_MARK: Final = re.compile(r"^([-+=])")
# A list dumped in one call, not one model_dump a component: a batch writes twenty a story.
_COMPONENTS: Final = TypeAdapter(list[ScoreComponent])
_PLACEHOLDERS: Final = TypeAdapter(list[Placeholder])


def _span(excerpt: Excerpt | None) -> dict[str, Any] | None:
    if excerpt is None:
        return None
    return {"text": excerpt.text, "start": excerpt.start, "end": excerpt.end}


def _score_detail(score: Score) -> dict[str, Any]:
    return {
        "score": score.value,
        "components": _COMPONENTS.dump_python(score.components, mode="json"),
        "evidence": [_span(e) for e in score.evidence],
    }


def contract_json(data: Any) -> str:
    """A JSON value on one line, non-ASCII kept: pydantic-core's serialiser, several times
    faster than the json module's (a batch writes one of these a story)."""
    return pydantic_core.to_json(data).decode()


def to_contract(result: CoachResult) -> dict[str, Any]:
    """The public JSON object of one run (field names are a contract: add, never rename)."""
    story = {
        section.value: [
            {
                "text": e.text,
                "start": e.start,
                "end": e.end,
                "heading": e.heading,
                "verbatim": e.verbatim,
                "sources": [_span(s) for s in e.sources],
                "confidence": e.confidence,
                "source": e.source,
                "answer": e.answer,
            }
            for e in result.story.elements(section)
        ]
        for section in Section
    }
    scores = result.scores.by_name()
    return {
        "engine": result.engine.value,
        "framework": result.framework.value,
        "target": result.target.value,
        "title": _span(result.story.title),
        "header": {name: _span(value) for name, value in result.story.header.facts().items()},
        "story": story,
        "placeholders": _PLACEHOLDERS.dump_python(result.story.placeholders, mode="json"),
        "psi": (
            {
                "sections": {
                    s.value: [{"text": e.text, "start": e.start, "end": e.end} for e in elements]
                    for s, elements in result.psi.sections.items()
                },
                "shares": {s.value: v for s, v in result.psi.shares.items()},
                "target_shares": {s.value: v for s, v in result.psi.target_shares.items()},
            }
            if result.psi
            else None
        ),
        "metrics": [
            {
                "text": m.text,
                "start": m.start,
                "end": m.end,
                "kind": m.kind.value,
                "baseline": m.baseline,
                "time_window": m.time_window,
                "method": m.method,
                "confidence": m.confidence,
                "attribution": m.attribution,
                "value": m.value,
                "unit": m.unit,
                "noun": m.noun,
                "approximate": m.approximate,
                "before": _span(m.before),
                "after": _span(m.after),
                "subject": m.subject,
                "section": m.section.value if m.section else None,
                "is_result": m.is_result,
                "evidence": {check.value: _span(e) for check, e in m.check_evidence.items()},
                "answer": m.answer,
            }
            for m in result.metrics
        ],
        "scores": {name: score.value for name, score in scores.items()},
        "score_details": {name: _score_detail(score) for name, score in scores.items()},
        "level": {
            "estimate": result.level.estimate.value,
            "target": result.level.target.value,
            "points": result.level.points,
            "signals": [
                {
                    "dimension": s.dimension,
                    "level": s.level.value,
                    "evidence": [_span(e) for e in s.evidence],
                    "anti_evidence": [_span(e) for e in s.anti_evidence],
                    "rubric": s.rubric,
                }
                for s in result.level.signals
            ],
            "to_target": result.level.to_target,
            "probabilities": (
                {level.value: p for level, p in result.level.probabilities.items()}
                if result.level.probabilities
                else None
            ),
            "borderline": (
                {
                    "levels": [level.value for level in result.level.borderline.levels],
                    "label": result.level.borderline.label,
                    "tip": result.level.borderline.tip,
                }
                if result.level.borderline
                else None
            ),
        },
        "questions": [
            {
                "slot": q.slot,
                "question": q.question,
                "gain": q.gain,
                "section": q.section.value if q.section else None,
                "about": _span(q.about),
            }
            for q in result.questions
        ],
        "flags": [
            {"code": f.code, "message": f.message, "evidence": [_span(e) for e in f.evidence]}
            for f in result.flags
        ],
        "llm": result.llm.model_dump(mode="json") if result.llm else None,
        "word_count": result.word_count,
        "spoken_seconds": result.spoken_seconds,
        "notes_chars": result.notes_chars,
        "rubric_versions": result.rubric_versions,
        "answers": [a.model_dump(mode="json") for a in result.answers],
    }


def markdown_escape(text: str) -> str:
    """User text as inert Markdown, on one line: shown as typed, never rendered. The one escaper
    for the CLI report, the exports and the app."""
    escaped = " ".join("".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text).split())
    # A leading "1." / "2)" or "-", "+", "=" would make the text a list, a rule or a heading.
    escaped = _LEADING_NUMBER.sub(r"\1\\\2", escaped)
    return _LEADING_MARK.sub(r"\\\1", escaped)


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
        quoted = ", ".join(f"“{markdown_escape(e.text)}”" for e in signal.evidence) or "no evidence"
        lines.append(f"- {signal.dimension.replace('_', ' ')}: {signal.level.value} — {quoted}")
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

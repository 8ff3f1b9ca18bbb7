"""The JSON contract scripts rely on (field names are kept: add, never rename), and the story's
JSON download, which is the contract with the export's title, version and header facts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

import pydantic_core
from pydantic import TypeAdapter

from coach.models import CoachResult, Excerpt, Placeholder, Score, ScoreComponent, Section
from coach.surfaces.render import export_title, header_facts

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


def story_json(
    result: CoachResult,
    *,
    title: str | None = None,
    version: int | None = None,
    header: Mapping[str, str] | None = None,
) -> str:
    """Return the run's JSON contract, pretty-printed, with the export's title, version and
    header facts."""
    data = to_contract(result)
    # The contract's own "title" and "header" are spans of the notes; scripts read them, so the
    # export's title, version and facts go in a new field instead of replacing them.
    data["export"] = {
        "title": export_title(result, title),
        "version": version,
        "header": header_facts(result, header),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

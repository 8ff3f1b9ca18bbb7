"""The requests a model run sends after the restructure: prompts rendered one way for the run, the
judge (failing closed to "unclear") and the coaching that rewords the questions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coach.config import Settings
from coach.errors import LlmError
from coach.judgement.rubrics import RubricSet
from coach.llm.answers import CoachingAdvice, DraftSentence, JudgeVerdict
from coach.llm.guard import SourceFacts, check_text, locate_quote
from coach.llm.prompts import level_rubric_text, load_prompt
from coach.llm.redaction import Redacted
from coach.models import (
    Excerpt,
    Flag,
    Framework,
    JudgeReport,
    Level,
    LevelReading,
    LevelSignal,
    Question,
    RunOptions,
    Section,
)

if TYPE_CHECKING:  # the model path's libraries load only when a model is used
    from coach.llm.caller import ModelCaller


FRAMEWORK_NOTE = {
    Framework.STAR: "Use every STAR+ section the notes support.",
    Framework.PSI: (
        "The story will be told as Problem (Situation, Task), Solution (Action, Trade-offs) and "
        "Impact (Result and the rest), aiming at a 25/50/25 balance."
    ),
}


@dataclass(frozen=True, slots=True)
class Renderer:
    """Render prompt files for one run: same delimiter, same system-message handling."""

    settings: Settings
    boundary: str

    def __call__(self, name: str, values: dict[str, str]) -> list[tuple[str, str]]:
        prompt = load_prompt(self.settings.prompts_dir, name)
        return list(
            prompt.render(
                {**values, "boundary": self.boundary},
                system_messages=self.settings.system_messages,
            )
        )


def story_lines(sentences: Iterable[tuple[Section, DraftSentence]], cited: bool = False) -> str:
    """A story as the prompts show it: one "section: sentence" line each, with the units each
    sentence cited when the model is to answer in the same form."""
    return "\n".join(
        f"{section.value}: {sentence.text}" + (f" (units {sentence.units})" if cited else "")
        for section, sentence in sentences
    )


def ask_judge(
    caller: ModelCaller,
    render: Renderer,
    rubrics: RubricSet,
    options: RunOptions,
    story_text: str,
    notes: str,
    redacted: Redacted,
    facts: SourceFacts,
) -> tuple[JudgeReport, list[Flag]]:
    """The model judge's verdict, failing closed: anything unreadable or unquoted is "unclear"."""
    try:
        verdict = caller.ask(
            judge_prompt(render, rubrics, options, story_text, redacted), JudgeVerdict, "judge"
        )
    except LlmError as exc:
        return _unclear(str(exc)), [Flag(code="judge_unclear", message=str(exc))]
    signals: list[LevelSignal] = []
    unsupported = 0
    for signal in verdict.signals:
        span = locate_quote(notes, redacted.restore(signal.quote))
        dimension = rubrics.level.dimensions.get(signal.dimension)
        if span is None or dimension is None:
            unsupported += 1
            continue
        level = Level(signal.level)
        signals.append(
            LevelSignal(
                dimension=signal.dimension,
                level=level,
                points=rubrics.level.points[level],
                evidence=[Excerpt.of(notes, *span)],
                rubric=(dimension.L7 if level is Level.L7 else dimension.L6).descriptor,
            )
        )
    restored = [redacted.restore(a) for a in verdict.to_target]
    advice = [a for a in restored if not check_text(a, facts)]
    if verdict.level == "unclear" or not signals:
        note = "The judge could not tie its reading to your notes."
        return _unclear(note, advice), [Flag(code="judge_unclear", message=note)]
    flags = []
    if unsupported:
        flags.append(
            Flag(
                code="judge_unsupported_evidence",
                message=f"{unsupported} judge signal(s) quoted words not in your notes; "
                "they were dropped.",
            )
        )
    return JudgeReport(level=verdict.level, signals=signals, to_target=advice), flags


def judge_prompt(
    render: Renderer, rubrics: RubricSet, options: RunOptions, story_text: str, redacted: Redacted
) -> list[tuple[str, str]]:
    """The judge's request: the level rubric, the target, the story and the notes."""
    return render(
        "judge",
        {
            "rubric": level_rubric_text(rubrics.level),
            "target": options.target.value,
            "story": story_text,
            "notes": redacted.text,
        },
    )


def coaching_prompt(
    render: Renderer,
    options: RunOptions,
    story_text: str,
    questions: Sequence[Question],
    to_target: Sequence[str],
    redacted: Redacted,
) -> list[tuple[str, str]]:
    """The coaching request: the target, what the grader found, the questions and the story."""
    return render(
        "coaching",
        {
            "target": options.target.value,
            "findings": redacted.apply("\n".join(f"- {t}" for t in to_target)) or "- none",
            "questions": redacted.apply("\n".join(f"- {q.slot}: {q.question}" for q in questions)),
            "story": story_text,
        },
    )


def readings_differ(judge: JudgeReport, grader: LevelReading) -> list[Flag]:
    """A notice when the model judge and the grader read the level differently, saying which
    reading the scores use; both readings keep their evidence in the result."""
    if judge.level in ("unclear", grader.estimate.value):
        return []
    return [
        Flag(
            code="level_readings_differ",
            message=f"The model judge reads {judge.level} where the grader reads "
            f"{grader.estimate.value}. The scores use the grader's reading: it is deterministic "
            "and cites your words for each dimension; the judge's evidence is shown beside it.",
        )
    ]


def _unclear(note: str, advice: list[str] | None = None) -> JudgeReport:
    return JudgeReport(level="unclear", to_target=advice or [], note=note)


def ask_coaching(
    caller: ModelCaller,
    render: Renderer,
    options: RunOptions,
    story_text: str,
    questions: list[Question],
    to_target: list[str],
    redacted: Redacted,
    facts: SourceFacts,
) -> tuple[list[Question], list[str], list[Flag]]:
    """Questions reworded for this story (same slots, same ranking) and specific suggestions."""
    if not questions:
        return questions, [], []
    try:
        advice = caller.ask(
            coaching_prompt(render, options, story_text, questions, to_target, redacted),
            CoachingAdvice,
            "coaching",
        )
    except LlmError as exc:
        return questions, [], [Flag(code="coaching_unavailable", message=str(exc))]
    restored = {q.slot: redacted.restore(q.question) for q in advice.questions}
    reworded = {
        slot: text
        for slot, text in restored.items()
        if text.strip() and not check_text(text, facts)
    }
    kept = [q.model_copy(update={"question": reworded.get(q.slot, q.question)}) for q in questions]
    suggestions = [
        text
        for text in (redacted.restore(s) for s in advice.suggestions)
        if text.strip() and not check_text(text, facts)
    ]
    return kept, suggestions, []

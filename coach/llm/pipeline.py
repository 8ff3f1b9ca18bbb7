"""The coaching run: the offline engine, or a model that restructures, judges and coaches, guarded.

With a model: (1) the notes are checked and saved, (2) the model restructures them into STAR+
sentences that each quote the notes, (3) the guard checks every figure, name and scope claim
against the notes, sends a failing answer back once and removes what still fails, (4) the grader
scores the notes as the model placed them, and (5) the judge and the coach run in parallel. Two
sequential round trips when nothing needs repair. Any model failure falls back to the offline
engine with a visible notice; the notes were saved before the first call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coach.config import Settings
from coach.errors import ConfigError, LlmError
from coach.judgement.answers import Answer
from coach.judgement.offline import (
    Prepared,
    build_result,
    check_notes,
    offline_result,
    prepare_notes,
)
from coach.judgement.placement import PlacedUnit
from coach.judgement.rubrics import RubricSet
from coach.llm.answers import CoachingAdvice, DraftSentence, DraftStory, JudgeVerdict
from coach.llm.citations import cited_spans, numbered_notes
from coach.llm.guard import SourceFacts, Violation, check_text, locate_quote
from coach.llm.prompts import boundary_for, level_rubric_text, load_prompt, star_rubric_text
from coach.llm.redaction import Redacted, RedactionList, redact
from coach.models import (
    CoachResult,
    Engine,
    Excerpt,
    Flag,
    Framework,
    JudgeReport,
    Level,
    LevelReading,
    LevelSignal,
    LlmReport,
    Placeholder,
    Question,
    Section,
    StarStory,
    StoryElement,
    TokenUsage,
)

if TYPE_CHECKING:  # the model path's libraries load only when a model is used
    from langchain_core.language_models import BaseChatModel

    from coach.llm.caller import ModelCaller, Sleep

Progress = Callable[[str], None]

# The least share of the notes' sentences a model story must keep, after the guard, to be shown.
_LEAST_KEPT_SHARE = 0.25

_FRAMEWORK_NOTE = {
    Framework.STAR: "Use every STAR+ section the notes support.",
    Framework.PSI: (
        "The story will be told as Problem (Situation, Task), Solution (Action, Trade-offs) and "
        "Impact (Result and the rest), aiming at a 25/50/25 balance."
    ),
}


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What the user chose for one run."""

    target: Level = Level.L6
    framework: Framework = Framework.STAR
    engine: Engine | None = None  # None: the model when one is configured, else offline


def _quiet(_: str) -> None:
    """Progress callback that reports nothing."""


def lazy_chat_model(settings: Settings) -> Callable[[], BaseChatModel]:
    """A model factory that builds the configured model, with its answer cache, on its first
    call only; the model libraries load then too, so an offline run never pays for them."""
    model: BaseChatModel | None = None
    lock = threading.Lock()  # Streamlit sessions share one workspace: two first calls may race

    def once() -> BaseChatModel:
        nonlocal model
        with lock:
            if model is None:
                from coach.llm.cache import SQLiteLLMCache
                from coach.llm.factory import build_chat_model

                model = build_chat_model(settings, cache=SQLiteLLMCache(settings.cache_path))
            return model

    return once


def chosen_engine(settings: Settings, options: RunOptions) -> Engine:
    """The engine a run will use."""
    if options.engine is not None:
        return options.engine
    return Engine.LLM if settings.llm_configured else Engine.OFFLINE


def run_coach(
    notes: str,
    *,
    settings: Settings,
    rubrics: RubricSet,
    options: RunOptions,
    model_factory: Callable[[], BaseChatModel] | None = None,
    save_draft: Callable[[str], None] | None = None,
    names: RedactionList | None = None,
    progress: Progress = _quiet,
    sleep: Sleep = time.sleep,
    answers: Sequence[Answer] = (),
) -> CoachResult:
    """Coach notes with the chosen engine; a failing model falls back to the offline engine.

    `answers` stand after the notes, each in the section its question named, on either engine.

    `names` are replaced by placeholders before anything reaches the model (e-mail addresses and
    URLs always are) and put back in what it answers.
    """
    check_notes(notes, settings.max_notes_chars)
    if save_draft is not None:
        save_draft(notes)  # before any model call, so a failure loses nothing
    engine = chosen_engine(settings, options)
    if engine is Engine.OFFLINE:
        progress("Placing your sentences and grading them (offline)")
        result = _offline(prepare_notes(notes, rubrics, answers), rubrics, options)
        if options.engine is None:
            return _with_flag(
                result,
                Flag(
                    code="offline_engine",
                    message="No model is configured, so the offline engine placed your own "
                    "sentences; nothing left this machine.",
                ),
            )
        return result
    if model_factory is None:
        raise ConfigError("The model engine was chosen but no model is configured.")
    prepared = prepare_notes(notes, rubrics, answers)  # shared with the fallback: placed once
    try:
        return _coach_with_model(
            prepared, model_factory(), settings, rubrics, options, names or RedactionList(),
            progress, sleep,
        )  # fmt: skip
    except LlmError as exc:
        progress("The model failed; the offline engine is answering")
        return _with_flag(
            _offline(prepared, rubrics, options),
            Flag(
                code="llm_fallback",
                message=f"{exc} The offline engine answered instead; your notes are saved.",
            ),
        )


def _offline(prepared: Prepared, rubrics: RubricSet, options: RunOptions) -> CoachResult:
    return offline_result(prepared, rubrics, options.target, options.framework)


def _with_flag(result: CoachResult, flag: Flag) -> CoachResult:
    return result.model_copy(update={"flags": [flag, *result.flags]})


@dataclass(frozen=True, slots=True)
class _Renderer:
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


@dataclass
class _Review:
    """A model's story after the guard: kept sentences with their spans, and what was wrong."""

    kept: list[tuple[Section, DraftSentence, list[tuple[int, int]]]] = field(default_factory=list)
    violations: list[tuple[str, Violation]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.violations


def review_story(
    draft: DraftStory, notes: str, units: Sequence[PlacedUnit], facts: SourceFacts
) -> _Review:
    """Check each sentence: the units it cites exist; its figures, names and scope are found in
    the notes, and its scope, role and figures' meaning in the units it cites.

    `draft` is already restored: its names are the user's again, as in `notes`.
    """
    review = _Review()
    for section, sentence in draft.sentences():
        spans, unknown = cited_spans(sentence.units, units)
        problems = [
            Violation("unit", f"[{n}]", "your notes have no unit with this number") for n in unknown
        ]
        quoted = " ".join(notes[start:end] for start, end in spans)
        problems += check_text(sentence.text, facts, quoted if spans else None)
        if not spans:
            problems.append(
                Violation("quote", sentence.text, "this sentence does not rest on your notes")
            )
        if problems:
            review.violations += [(sentence.text, problem) for problem in problems]
        else:
            review.kept.append((section, sentence, sorted(spans)))
    return review


def _story_text(sentences: Iterable[tuple[Section, DraftSentence]], cited: bool = False) -> str:
    """A story as the prompts show it: one "section: sentence" line each, with the units each
    sentence cited when the model is to answer in the same form."""
    return "\n".join(
        f"{section.value}: {sentence.text}" + (f" (units {sentence.units})" if cited else "")
        for section, sentence in sentences
    )


def _restored(draft: DraftStory, redacted: Redacted) -> DraftStory:
    """The model's story with our placeholders turned back into the user's names."""
    data = draft.model_dump(mode="json")
    for section in Section:
        for sentence in data[section.value]:
            sentence["text"] = redacted.restore(sentence["text"])
    for gap in data["gaps"]:
        gap["question"] = redacted.restore(gap["question"])
    return DraftStory.model_validate(data)


def _coach_with_model(
    prepared: Prepared,
    model: BaseChatModel,
    settings: Settings,
    rubrics: RubricSet,
    options: RunOptions,
    names: RedactionList,
    progress: Progress,
    sleep: Sleep,
) -> CoachResult:
    from coach.llm.budget import check_run_budget, count_messages
    from coach.llm.caller import ModelCaller

    caller = ModelCaller(model, settings, sleep)
    # The model never sees injected instructions (blanked, keeping every span) nor the names
    # the user listed (placeholders, restored in every answer before anything is checked).
    clean = prepared.clean
    redacted = redact(clean, names)
    sent = redacted.text
    units = prepared.restructured.units
    listing = redacted.apply(numbered_notes(clean, units))  # what the story's sentences cite
    render = _Renderer(settings, boundary_for(sent))
    # A round trip is a step that waited on the server; answers from the cache cost none.
    round_trips = 0

    restructure = render(
        "restructure",
        {
            "rubric": star_rubric_text(rubrics.star_plus),
            "framework": _FRAMEWORK_NOTE[options.framework],
            "target": options.target.value,
            "notes": listing,
        },
    )
    check_run_budget(
        [
            (step, count_messages(messages, settings.model, settings.tiktoken_cache_dir))
            for step, messages in (
                ("restructure", restructure),
                *_later_requests(prepared, render, rubrics, options, redacted, listing),
            )
        ],
        settings.input_token_budget,
    )

    progress(f"Restructuring with {settings.model_label}")
    before = caller.fresh_calls
    draft = caller.ask(restructure, DraftStory, "restructure")
    draft = _restored(draft, redacted)
    round_trips += int(caller.fresh_calls > before)

    progress("Checking every figure, name and claim against your notes")
    facts = SourceFacts(clean, rubrics)
    review = review_story(draft, clean, units, facts)
    repaired = False
    if not review.clean:
        progress("Sending unsupported claims back to the model once")
        before = caller.fresh_calls
        draft = caller.ask(
            render(
                "repair",
                {
                    "violations": redacted.apply(
                        "\n".join(
                            f"- {sentence} -> {v.describe()}" for sentence, v in review.violations
                        )
                    ),
                    "story": redacted.apply(_story_text(draft.sentences(), cited=True)),
                    "notes": listing,
                },
            ),
            DraftStory,
            "repair",
        )
        draft = _restored(draft, redacted)
        repaired = True
        round_trips += int(caller.fresh_calls > before)
        review = review_story(draft, clean, units, facts)

    kept, total = _notes_units_kept(prepared, review)
    if kept < _LEAST_KEPT_SHARE * total:
        # A story that lost most of the notes would grade what is left and hide the rest: the
        # offline story places every sentence. Nothing more is sent for a story not shown.
        progress("The model's story left out most of your notes; the offline engine is answering")
        return _with_flag(
            _offline(prepared, rubrics, options),
            Flag(
                code="llm_story_fallback",
                message=f"The model's story kept {kept} of the {total} sentences of your notes "
                "once checked against them, so the offline engine's story, which places every "
                "sentence, is shown instead.",
            ),
        )

    progress("Grading the story")
    graded = prepared.grade(
        rubrics, options.target, options.framework, _place(prepared.restructured.units, review)
    )

    progress("Judging the level and preparing questions")
    story_text = redacted.apply(_story_text((section, s) for section, s, _ in review.kept))
    before = caller.fresh_calls
    with ThreadPoolExecutor(max_workers=2) as pool:
        judged = pool.submit(
            _judge, caller, render, rubrics, options, story_text, clean, redacted, facts
        )
        coached = pool.submit(
            _coaching, caller, render, options, story_text, graded.questions,
            graded.level.to_target, redacted, facts,
        )  # fmt: skip
        judge, judge_flags = judged.result()
        questions, suggestions, coach_flags = coached.result()
    round_trips += int(caller.fresh_calls > before)  # the two ran side by side: one wait

    removed = [f"{sentence} ({v.describe()})" for sentence, v in review.violations]
    unsupported = [
        Flag(
            code="unsupported_claim",
            message=f"Removed from the story because your notes do not support it: {r}",
        )
        for r in removed
    ]
    usage = caller.usage
    return build_result(
        prepared,
        graded,
        rubrics,
        options.target,
        options.framework,
        story=_star_story(clean, review, draft, rubrics, prepared),
        questions=questions,
        flags=[*unsupported, *judge_flags, *_readings_differ(judge, graded.level), *coach_flags],
        llm=LlmReport(
            model=settings.model_label,
            calls=usage.calls,
            cached_calls=usage.cached_calls,
            round_trips=round_trips,
            usage=TokenUsage(
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                approximate=usage.approximate,
                cost_usd=round(
                    usage.cost_usd(
                        settings.price_input_per_million, settings.price_output_per_million
                    ),
                    6,
                ),
            ),
            judge=judge,
            suggestions=suggestions,
            removed=removed,
            repaired=repaired,
            sent=sent,
            redactions=list(redacted.replacements),
        ),
    )


def _later_requests(
    prepared: Prepared,
    render: _Renderer,
    rubrics: RubricSet,
    options: RunOptions,
    redacted: Redacted,
    listing: str,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The requests after the restructure, as large as they may get, for the run's budget.

    The story they carry is not written yet: the notes stand in for it (a story retells the
    notes), and for a repair's list of faults too, so the repair is counted at its worst. The
    coaching request carries the questions the offline reading asks.
    """
    sent = redacted.text
    offline = prepared.grade(
        rubrics, options.target, options.framework, prepared.restructured.units
    )
    requests = [
        (
            "repair at worst",
            render("repair", {"violations": sent, "story": sent, "notes": listing}),
        ),
        ("judge", _judge_prompt(render, rubrics, options, sent, redacted)),
    ]
    if offline.questions:
        requests.append(
            ("coaching", _coaching_prompt(render, options, sent, offline.questions,
                                          offline.level.to_target, redacted))
        )  # fmt: skip
    return requests


def _notes_units_kept(prepared: Prepared, review: _Review) -> tuple[int, int]:
    """How many of the notes' units a kept sentence of the model's story quotes, of how many."""
    units = [unit for unit in prepared.restructured.units if unit.answer is None]
    quoted = [span for _, _, spans in review.kept for span in spans]
    kept = sum(1 for u in units if any(s < u.end and u.start < e for s, e in quoted))
    return kept, len(units)


def _place(units: Sequence[PlacedUnit], review: _Review) -> list[PlacedUnit]:
    """The offline placement, with each sentence the model quoted moved to the model's section;
    answers stay where their questions put them."""
    placed: list[PlacedUnit] = []
    for unit in units:
        section = unit.section
        for model_section, _, spans in review.kept if unit.answer is None else ():
            if any(start < unit.end and unit.start < end for start, end in spans):
                section = model_section
                break
        placed.append(unit._replace(section=section))
    return placed


def _star_story(
    notes: str, review: _Review, draft: DraftStory, rubrics: RubricSet, prepared: Prepared
) -> StarStory:
    # The answers are the user's own words in the sections their questions named, as the
    # offline story has them; a model sentence resting on answers alone would re-place them.
    answered = prepared.material.spans
    sections: dict[Section, list[StoryElement]] = {
        section: [e for e in prepared.restructured.story.elements(section) if e.source == "answer"]
        for section in Section
    }
    for section, sentence, spans in review.kept:
        if all(any(a <= s and e <= b for a, b in answered) for s, e in spans):
            continue
        sources = [Excerpt.of(notes, start, end) for start, end in spans]
        sections[section].insert(
            len([e for e in sections[section] if e.source == "notes"]),
            StoryElement(
                text=sentence.text,
                start=spans[0][0],
                end=spans[0][1],
                verbatim=False,
                sources=sources,
            ),
        )
    gaps = {gap.section: gap.question for gap in draft.gaps}
    placeholders = [
        Placeholder(
            section=section,
            slot=f"section.{section.value}",
            text=f"[[{gaps[section]}]]"
            if section in gaps
            else rubrics.star_plus.sections[section].placeholder,
        )
        for section in Section
        if not sections[section]
    ]
    # The title and header facts are read from the notes, the same on both engines.
    offline = prepared.restructured.story
    return StarStory(
        title=offline.title, header=offline.header, sections=sections, placeholders=placeholders
    )


def _judge(
    caller: ModelCaller,
    render: _Renderer,
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
            _judge_prompt(render, rubrics, options, story_text, redacted), JudgeVerdict, "judge"
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


def _judge_prompt(
    render: _Renderer, rubrics: RubricSet, options: RunOptions, story_text: str, redacted: Redacted
) -> list[tuple[str, str]]:
    return render(
        "judge",
        {
            "rubric": level_rubric_text(rubrics.level),
            "target": options.target.value,
            "story": story_text,
            "notes": redacted.text,
        },
    )


def _coaching_prompt(
    render: _Renderer,
    options: RunOptions,
    story_text: str,
    questions: Sequence[Question],
    to_target: Sequence[str],
    redacted: Redacted,
) -> list[tuple[str, str]]:
    return render(
        "coaching",
        {
            "target": options.target.value,
            "findings": redacted.apply("\n".join(f"- {t}" for t in to_target)) or "- none",
            "questions": redacted.apply("\n".join(f"- {q.slot}: {q.question}" for q in questions)),
            "story": story_text,
        },
    )


def _readings_differ(judge: JudgeReport, grader: LevelReading) -> list[Flag]:
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


def _coaching(
    caller: ModelCaller,
    render: _Renderer,
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
            _coaching_prompt(render, options, story_text, questions, to_target, redacted),
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

"""The coaching run: the offline engine, or a model that restructures, judges and coaches, guarded.

With a model: (1) the notes are checked (the caller, the workspace, has kept them in the story
bank), (2) the model restructures them into STAR+
sentences that each quote the notes, (3) the guard checks every figure, name and scope claim
against the notes, sends a failing answer back once and removes what still fails, (4) the grader
scores the notes as the model placed them, and (5) the judge and the coach run in parallel. Two
sequential round trips when nothing needs repair. Any model failure falls back to the offline
engine with a visible notice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from coach.judgement.rubrics import RubricSet
from coach.llm.answers import DraftStory
from coach.llm.citations import numbered_notes
from coach.llm.guard import SourceFacts
from coach.llm.prompts import boundary_for, star_rubric_text
from coach.llm.redaction import Redacted, RedactionList, redact
from coach.llm.requests import (
    FRAMEWORK_NOTE,
    Renderer,
    ask_coaching,
    ask_judge,
    coaching_prompt,
    judge_prompt,
    readings_differ,
    story_lines,
)
from coach.llm.review import (
    model_placed,
    notes_units_kept,
    restored,
    review_story,
    star_story,
)
from coach.models import (
    CoachResult,
    Engine,
    Flag,
    LlmReport,
    RunOptions,
    TokenUsage,
)

if TYPE_CHECKING:  # the model path's libraries load only when a model is used
    from langchain_core.language_models import BaseChatModel

    from coach.llm.caller import Sleep

Progress = Callable[[str], None]

# The least share of the notes' sentences a model story must keep, after the guard, to be shown.
_LEAST_KEPT_SHARE = 0.25


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
    from coach.llm.budget import check_run_budget, count_messages, token_bound
    from coach.llm.caller import ModelCaller

    caller = ModelCaller(model, settings, sleep)
    # The model never sees injected instructions (blanked, keeping every span) nor the names
    # the user listed (placeholders, restored in every answer before anything is checked).
    clean = prepared.clean
    redacted = redact(clean, names)
    sent = redacted.text
    units = prepared.restructured.analysis.units
    listing = redacted.apply(numbered_notes(clean, units))  # what the story's sentences cite
    render = Renderer(settings, boundary_for(sent))
    # A round trip is a step that waited on the server; answers from the cache cost none.
    round_trips = 0

    restructure = render(
        "restructure",
        {
            "rubric": star_rubric_text(rubrics.star_plus),
            "framework": FRAMEWORK_NOTE[options.framework],
            "target": options.target.value,
            "notes": listing,
        },
    )
    requests = [
        ("restructure", restructure),
        *_later_requests(prepared, render, rubrics, options, redacted, listing),
    ]
    # Counted exactly only when their bound does not already show they fit.
    if sum(token_bound(messages) for _, messages in requests) > settings.input_token_budget:
        check_run_budget(
            [
                (step, count_messages(messages, settings.model, settings.tiktoken_cache_dir))
                for step, messages in requests
            ],
            settings.input_token_budget,
        )

    progress(f"Restructuring with {settings.model_label}")
    before = caller.fresh_calls
    draft = caller.ask(restructure, DraftStory, "restructure")
    draft = restored(draft, redacted)
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
                    "story": redacted.apply(story_lines(draft.sentences(), cited=True)),
                    "notes": listing,
                },
            ),
            DraftStory,
            "repair",
        )
        draft = restored(draft, redacted)
        repaired = True
        round_trips += int(caller.fresh_calls > before)
        review = review_story(draft, clean, units, facts)

    kept, total = notes_units_kept(prepared, review)
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
        rubrics,
        options.target,
        options.framework,
        model_placed(prepared.restructured.analysis.units, review),
    )

    progress("Judging the level and preparing questions")
    story_text = redacted.apply(story_lines((section, s) for section, s, _ in review.kept))
    before = caller.fresh_calls
    with ThreadPoolExecutor(max_workers=2) as pool:
        judged = pool.submit(
            ask_judge, caller, render, rubrics, options, story_text, clean, redacted, facts
        )
        coached = pool.submit(
            ask_coaching, caller, render, options, story_text, graded.questions,
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
        story=star_story(clean, review, draft, rubrics, prepared),
        questions=questions,
        flags=[*unsupported, *judge_flags, *readings_differ(judge, graded.level), *coach_flags],
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
    render: Renderer,
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
        rubrics, options.target, options.framework, prepared.restructured.analysis.units
    )
    requests = [
        (
            "repair at worst",
            render("repair", {"violations": sent, "story": sent, "notes": listing}),
        ),
        ("judge", judge_prompt(render, rubrics, options, sent, redacted)),
    ]
    if offline.questions:
        requests.append(
            ("coaching", coaching_prompt(render, options, sent, offline.questions,
                                          offline.level.to_target, redacted))
        )  # fmt: skip
    return requests

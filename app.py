"""Story Coach in the browser: paste notes, coach, answer the questions, coach again.

Widgets, session state and rendering only: every decision lives in `coach/` (the workspace runs
the pipeline, the bank keeps stories and versions, export renders downloads).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from coach.errors import CoachError, StoryBankError, notes_too_long

# The library reads its word lists as its modules load: a broken data file is said, not thrown.
try:
    from coach.bank import (
        HEADER_FACTS,
        LEADERSHIP_PRINCIPLES,
        TARGETS,
        StoryBank,
        StoryDetail,
        StorySummary,
        VersionRecord,
    )
    from coach.config import get_settings
    from coach.judgement.answers import Answer
    from coach.judgement.levels import meter_position
    from coach.judgement.prose import join_sentences
    from coach.judgement.rubrics import load_rubrics
    from coach.judgement.sequence_model import LOW_CONFIDENCE
    from coach.llm.redaction import RedactionList
    from coach.models import (
        LEVEL_ORDER,
        PSI_TITLES,
        SCORE_TITLES,
        SECTION_TITLES,
        CoachResult,
        Engine,
        Framework,
        Level,
        LevelSignal,
        RunOptions,
        Score,
        StoryElement,
    )
    from coach.surfaces.contract import story_json
    from coach.surfaces.history import compare
    from coach.surfaces.notes_files import decode_notes
    from coach.surfaces.render import (
        FACT_LABELS,
        case_study_markdown,
        highlighted_markdown,
        markdown_escape,
        quoted,
        spoken_text_with_time,
        spoken_version_for,
    )
    from coach.surfaces.workspace import Workspace, mask_key
except CoachError as exc:
    st.error(str(exc))
    st.stop()

_FRAMEWORKS = {"STAR+": Framework.STAR, "Problem-Solution-Impact": Framework.PSI}
_ROW_HEIGHT = 35  # Streamlit's dataframe row, in pixels
_FRAMEWORK_NAMES = {framework: name for name, framework in _FRAMEWORKS.items()}
_VIEWS = ("Coach", "History", "Coverage", "Export")
_TYPED_PREFIXES = ("answer_", "revision_", "keep_")  # the Coach view's boxes besides the notes


@st.cache_resource
def _workspace(data_dir: str, database_url: str | None) -> Workspace:
    """One workspace per bank and process (the bank and the model are shared by sessions)."""
    settings = get_settings()
    return Workspace(
        settings, load_rubrics(settings.rubrics_dir), StoryBank.from_settings(settings)
    )


def workspace() -> Workspace:
    """The process's workspace for the configured bank."""
    settings = get_settings()
    return _workspace(str(settings.data_dir), settings.database_url)


def setup_state() -> None:
    """Create every session key the page uses, once; keep what was typed in a view not drawn."""
    # Streamlit forgets a widget's value in a run that does not draw it: the notes, answers and
    # revision typed in Coach must survive a look at History. A key assigned in code is kept.
    for key in list(st.session_state):
        if key == "notes" or str(key).startswith(_TYPED_PREFIXES):
            st.session_state[key] = st.session_state[key]
    defaults: dict[str, Any] = {
        "story_id": None,
        "notes": "",
        "error": None,
        "notice": None,
        "version": None,
        "confirm_delete": False,
        "companies": "",
        "products": "",
        "people": "",
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


# --- actions (callbacks) ---------------------------------------------------------------------


def _open_story(story_id: int) -> StoryDetail:
    story = workspace().bank.get_story(story_id)
    st.session_state.story_id = story.id
    st.session_state.notes = story.draft
    st.session_state.version = story.versions[-1].number if story.versions else None
    st.session_state.target = story.target.value
    st.session_state.framework = next(k for k, v in _FRAMEWORKS.items() if v is story.framework)
    st.session_state.title_edit = story.title
    st.session_state.tags_edit = list(story.tags)
    for name in HEADER_FACTS:
        st.session_state[f"fact_{name}"] = story.header.get(name, "")
    st.session_state.confirm_delete = False
    st.session_state.story_picker = story.id  # the picker follows New story and every opening
    st.session_state.engine = _engine_label(story)
    return story


def _engine_label(story: StoryDetail) -> str:
    """The engine a story opens on: the one that wrote its latest version when it is still
    available, else the model when one is configured (as the CLI does), else offline."""
    choices = workspace().engine_choices()
    if story.versions:
        last = story.versions[-1].engine
        for choice in choices:
            if choice.engine is last:
                return choice.label
    return choices[-1].label


def _current_story() -> StoryDetail:
    if st.session_state.story_id is not None:
        try:
            return workspace().bank.get_story(st.session_state.story_id)
        except StoryBankError:
            # Deleted in another tab: open another story rather than fail every page.
            st.session_state.notice = "That story was deleted elsewhere; here is another one."
            st.session_state.story_id = None
    summaries = workspace().bank.list_stories()
    if summaries:
        return _open_story(summaries[0].id)
    return _open_story(workspace().bank.create_story("My first story").id)


def _on_story(action: Callable[[int], None]) -> None:
    """Run a change to the open story; a story gone (deleted in another tab) is a notice."""
    try:
        action(st.session_state.story_id)
    except StoryBankError as exc:
        st.session_state.error = str(exc)
        st.session_state.story_id = None


def _pick_story() -> None:
    _open_story(st.session_state.story_picker)


def _new_story() -> None:
    created = workspace().bank.create_story(f"Story {len(workspace().bank.list_stories()) + 1}")
    _open_story(created.id)


def _save_draft() -> None:
    # Saved as the user types (on every edit Streamlit reports), long before any model call;
    # notes over the limit are refused at once, with the message Coach would give.
    notes, limit = st.session_state.notes, get_settings().max_notes_chars
    if len(notes) > limit:
        st.session_state.error = str(notes_too_long(len(notes), limit))
        return
    if st.session_state.error and st.session_state.error.startswith("The notes are"):
        st.session_state.error = None
    if st.session_state.story_id is not None:
        _on_story(lambda story_id: workspace().bank.save_draft(story_id, notes))


def _load_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    try:
        st.session_state.notes = decode_notes(
            upload.getvalue(), source=upload.name, max_chars=get_settings().max_notes_chars
        )
        _save_draft()
    except CoachError as exc:
        st.session_state.error = str(exc)


def _rename() -> None:
    try:
        _on_story(lambda story_id: workspace().bank.rename(story_id, st.session_state.title_edit))
    except CoachError as exc:
        st.session_state.error = str(exc)


def _save_header() -> None:
    facts = {name: st.session_state[f"fact_{name}"] for name in HEADER_FACTS}
    _on_story(lambda story_id: workspace().bank.set_header(story_id, facts))


def _retag() -> None:
    _on_story(lambda story_id: workspace().bank.set_tags(story_id, st.session_state.tags_edit))


def _delete() -> None:
    if not st.session_state.confirm_delete:
        st.session_state.confirm_delete = True
        return
    _on_story(workspace().bank.delete_story)
    st.session_state.story_id = None
    st.session_state.confirm_delete = False


def _use_revision() -> None:
    # The revision holds the answers' sentences too: from now on they are part of the notes.
    # What it replaces is kept for an undo: nothing the user typed is lost.
    st.session_state.undo_notes = st.session_state.notes
    st.session_state.notes = st.session_state[_revision_key(st.session_state.version)]
    st.session_state.answers_in_notes = st.session_state.version
    _save_draft()


def _undo_revision() -> None:
    st.session_state.notes = st.session_state.pop("undo_notes")
    st.session_state.answers_in_notes = None
    _save_draft()


def _revision_key(number: int | None) -> str:
    # One widget per version: a new version's story replaces what the box showed.
    return f"revision_{number}"


def _answers(story: StoryDetail, version: VersionRecord | None) -> list[Answer]:
    """The answers the next version is coached with: the ones this version was coached with
    (unless they were folded into the notes), then the new ones, a slot answered again
    replacing its earlier answer."""
    if version is None:
        return []
    carried = [
        answer
        for i, answer in enumerate(_carried(story, version))
        if st.session_state.get(_keep_key(version.number, i), True)
    ]
    new = [
        Answer(q.slot, st.session_state.get(f"answer_{i}", ""), q.section, q.question)
        for i, q in enumerate(version.result.questions)
        if q.section is not None and st.session_state.get(f"answer_{i}", "").strip()
    ]
    slots = {a.slot for a in new}
    return [a for a in carried if a.slot not in slots] + new


def _carried(story: StoryDetail, version: VersionRecord) -> list[Answer]:
    """The answers `version` was coached with, unless they were folded into the notes."""
    if st.session_state.get("answers_in_notes") == version.number:
        return []
    return workspace().carried_answers(story.id, version.number)


def _keep_key(number: int, index: int) -> str:
    return f"keep_{number}_{index}"


def _names() -> RedactionList:
    return RedactionList.parse(
        st.session_state.companies, st.session_state.products, st.session_state.people
    )


# --- views -----------------------------------------------------------------------------------


def _sidebar(story: StoryDetail, summaries: list[StorySummary]) -> RunOptions:
    ws = workspace()
    with st.sidebar:
        st.header("Story bank")
        st.selectbox(
            "Story",
            [s.id for s in summaries],
            index=[s.id for s in summaries].index(story.id),
            format_func=lambda i: next(s.title for s in summaries if s.id == i),
            key="story_picker",
            on_change=_pick_story,
        )
        st.button("New story", on_click=_new_story)
        st.text_input("Title", key="title_edit", on_change=_rename)
        st.multiselect(
            "Leadership Principles", LEADERSHIP_PRINCIPLES, key="tags_edit", on_change=_retag
        )
        with st.expander("Case-study header (for the exports)"):
            for name in HEADER_FACTS:
                st.text_input(
                    FACT_LABELS[name],
                    key=f"fact_{name}",
                    on_change=_save_header,
                    placeholder="from your notes, if they say",
                )
        label = (
            "Confirm: delete this story and its versions"
            if st.session_state.confirm_delete
            else "Delete story"
        )
        st.button(label, on_click=_delete)

        st.header("Coaching")
        st.radio("Target level", [level.value for level in TARGETS], key="target")
        st.radio("Framework", list(_FRAMEWORKS), key="framework")
        choices = ws.engine_choices()
        st.radio("Engine", [c.label for c in choices], key="engine")
        engine = _chosen_options().engine
        if len(choices) == 1:
            st.caption("No model is configured (OPENAI_API_KEY or OPENAI_BASE_URL): offline only.")
        st.header("What leaves the machine")
        if engine is Engine.OFFLINE:
            st.caption("Nothing: the offline engine runs here.")
        else:
            key = mask_key(ws.settings)
            st.caption(
                f"Your notes go to {ws.settings.model_label}"
                + (f" (key {key})" if key else "")
                + ", with these words replaced by placeholders; e-mail addresses and links are "
                "replaced automatically."
            )
            st.text_input("Company names", key="companies", placeholder="comma separated")
            st.text_input("Product names", key="products", placeholder="comma separated")
            st.text_input("People's names", key="people", placeholder="comma separated")
    return _chosen_options()


def _chosen_options() -> RunOptions:
    """What the sidebar says now (callbacks read it too: a change and a click can come in one
    run, and the click must use the change)."""
    label = st.session_state.engine
    return RunOptions(
        target=Level(st.session_state.target),
        framework=_FRAMEWORKS[st.session_state.framework],
        engine=next(c.engine for c in workspace().engine_choices() if c.label == label),
    )


def _coach_view(story: StoryDetail, version: VersionRecord | None, options: RunOptions) -> None:
    st.file_uploader(
        "Upload notes (.txt or .md)", type=["txt", "md"], key="upload", on_change=_load_upload
    )
    st.text_area(
        "Your notes",
        key="notes",
        height=240,
        on_change=_save_draft,
        placeholder="What happened, what you did, what changed. Rough is fine.",
    )
    st.button("Coach", type="primary", on_click=_coach_clicked, args=(story, version))
    if st.session_state.pop("coach_requested", False):
        _run_coach(story, version, options)
    if st.session_state.notice:
        st.info(markdown_escape(st.session_state.pop("notice")))
    if st.session_state.error:
        # Messages may quote a file's name or the notes: shown as text, never as Markdown.
        st.error(markdown_escape(st.session_state.error))
    # A successful run reran the script above, so `version` (and the story) are still current.
    if version is not None:
        _changed_options(version, options)
        _results(version, story, options)


def _coach_clicked(story: StoryDetail, version: VersionRecord | None) -> None:
    """The Coach buttons. Offline coaching takes milliseconds: it runs here, before the page is
    drawn, which is then drawn once, with the new version. A model run shows its steps while it
    works, so it runs on the page (`_run_coach`)."""
    options = _chosen_options()
    if options.engine is not Engine.OFFLINE:
        st.session_state.coach_requested = True
        return
    st.session_state.error = None
    try:
        record = workspace().coach(
            story.id, st.session_state.notes, _answers(story, version), options, names=_names()
        )
    except CoachError as exc:
        st.session_state.error = str(exc)
        return
    _show_version(record.number, version)


def _show_version(number: int, answered: VersionRecord | None) -> None:
    """Show version `number`, its answer boxes empty: the answers given now stand in it."""
    st.session_state.version = number
    for i in range(len(answered.result.questions) if answered else 0):
        st.session_state.pop(f"answer_{i}", None)


def _run_coach(story: StoryDetail, version: VersionRecord | None, options: RunOptions) -> None:
    """Coach the notes with the answers given so far, showing each step; a new version reruns
    the page."""
    st.session_state.error = None
    with st.status("Coaching", expanded=True) as status:
        try:
            record = workspace().coach(
                story.id,
                st.session_state.notes,
                _answers(story, version),
                options,
                names=_names(),
                progress=status.write,
            )
        except CoachError as exc:
            status.update(label="Not coached", state="error")
            st.session_state.error = str(exc)
            return
        status.update(label=f"Version {record.number} ready", state="complete")
    _show_version(record.number, version)
    st.rerun()


def _changed_options(version: VersionRecord, options: RunOptions) -> None:
    """Say plainly when the sidebar's target or framework is not what this version was graded
    for: nothing on the page changes until Coach is pressed."""
    result = version.result
    changed: list[str] = []
    if result.target is not options.target:
        changed.append(f"target {result.target.value} → {options.target.value}")
    if result.framework is not options.framework:
        old, new = _FRAMEWORK_NAMES[result.framework], _FRAMEWORK_NAMES[options.framework]
        changed.append(f"framework {old} → {new}")
    if changed:
        st.info(
            f"You changed the {' and the '.join(changed)}: press Coach to grade the story for it. "
            f"Version {version.number} below is still graded as it was."
        )


def _selected_version(story: StoryDetail) -> VersionRecord | None:
    number = st.session_state.version
    if number is None or not story.versions:
        return None
    return workspace().bank.get_version(story.id, number)


def _results(version: VersionRecord, story: StoryDetail, options: RunOptions) -> None:
    result = version.result
    st.subheader(f"Version {version.number}")
    for flag in result.flags:
        st.warning(markdown_escape(flag.message))  # may quote the model's sentences
    if result.llm is not None:
        usage = result.llm.usage
        st.caption(
            f"Engine: {result.llm.model} · {result.llm.round_trips} round trips · "
            f"{usage.prompt_tokens:,} prompt and {usage.completion_tokens:,} completion tokens"
            + (" (estimated)" if usage.approximate else "")
            + f" · about ${usage.cost_usd:.4f}"
        )
        with st.expander("What was sent to the model"):
            if result.llm.redactions:
                st.dataframe(
                    [{"placeholder": p, "stands for": o} for p, o in result.llm.redactions],
                    hide_index=True,
                )
            st.code(result.llm.sent or "", language=None)
    else:
        st.caption("Engine: offline")
    columns = st.columns(4)
    for column, (name, score) in zip(columns, result.scores.by_name().items(), strict=True):
        with column:
            _score(score, SCORE_TITLES[name])
    story_tab, scores_tab, metrics_tab, questions_tab = st.tabs(
        ["Story", "Scores", "Metrics", "Questions"]
    )
    with story_tab:
        _story(result)
        _revise(result)
    with scores_tab:
        _level(result)
    with metrics_tab:
        _metrics(result, version.notes)
    with questions_tab:
        answers_shown = _carried_answers(story, version)
        questions_shown = _questions(result)
        # The answer boxes have their own button: no scrolling back up to Coach.
        if answers_shown or questions_shown:
            st.button(
                "Coach again with these answers",
                type="primary",
                on_click=_coach_clicked,
                args=(story, version),
            )


def _score(score: Score, label: str) -> None:
    st.metric(label, f"{score.value}/100")
    with st.expander(f"Why {score.value}?"):
        for part in score.components:
            st.markdown(
                f"**{markdown_escape(part.name.replace('_', ' '))}** "
                f"{part.points:g}/{part.max_points:g}: {markdown_escape(part.reason)}  \n"
                f"_{markdown_escape(part.rubric)}_"
            )
        if score.evidence:
            st.caption("Evidence: " + quoted(score.evidence[:6], "; "))


def _story(result: CoachResult) -> None:
    """Each section as one paragraph of written sentences; the words of the notes (or the
    answer) behind them, and any unsure placement, on demand."""
    if result.framework is Framework.PSI and result.psi is not None:
        for psi_section, elements in result.psi.sections.items():
            share, aim = result.psi.shares[psi_section], result.psi.target_shares[psi_section]
            st.markdown(f"#### {PSI_TITLES[psi_section]} · {share:.0%} of words (aim {aim:.0%})")
            _paragraph(elements, PSI_TITLES[psi_section])
        return
    gaps = {p.section: p for p in result.story.placeholders}
    for section, title in SECTION_TITLES.items():
        st.markdown(f"#### {title}")
        elements = result.story.elements(section)
        if elements:
            _paragraph(elements, title)
        elif section in gaps:
            st.info(markdown_escape(gaps[section].text))  # a model may write the gap


def _paragraph(elements: list[StoryElement], title: str) -> None:
    st.markdown(markdown_escape(join_sentences([e.text for e in elements])))
    unsure = [e for e in elements if e.confidence is not None and e.confidence < LOW_CONFIDENCE]
    for element in unsure:
        st.caption(
            f":warning: The coach is only {element.confidence or 0:.0%} sure that "
            f"“{markdown_escape(element.text)}” belongs in {title}; move it in the box below "
            "if it does not."
        )
    with st.expander("Your words behind this"):
        for element in elements:
            origin = "your answer" if element.source == "answer" else "your notes"
            words = quoted(element.sources, "; ")
            st.markdown(f"- {markdown_escape(element.text)} ← {origin}: {words or '(as written)'}")


def _revise(result: CoachResult) -> None:
    """The story as editable notes, one labelled paragraph per section, in the shape on screen."""
    if result.framework is Framework.PSI and result.psi is not None:
        parts = [(PSI_TITLES[s], elements) for s, elements in result.psi.sections.items()]
    else:
        parts = [(title, result.story.elements(s)) for s, title in SECTION_TITLES.items()]
    key = _revision_key(st.session_state.version)
    # Set through the state, not `value=`: the box keeps its edits while another view is open.
    st.session_state.setdefault(
        key,
        "\n\n".join(
            f"{title}: {join_sentences([e.text for e in elements])}"
            for title, elements in parts
            if elements
        ),
    )
    st.text_area(
        "Revise the story (it becomes your notes for the next version)", key=key, height=200
    )
    st.button("Use this as my notes", on_click=_use_revision)
    if st.session_state.get("undo_notes") is not None:
        st.button("Undo: put my previous notes back", on_click=_undo_revision)


def _level(result: CoachResult) -> None:
    level = result.level
    st.markdown(
        f"Reads **{level.estimate.value}** · target **{level.target.value}**"
        + (f" · {level.borderline.label}" if level.borderline else "")
    )
    if level.probabilities:
        st.caption(
            "How sure: "
            + " · ".join(f"{lv.value} {p:.0%}" for lv, p in level.probabilities.items())
        )
    if level.borderline and level.borderline.tip:
        st.markdown(
            f"**What would tip it to {level.borderline.levels[1].value}:** "
            + " ".join(markdown_escape(tip) for tip in level.borderline.tip)
        )
    st.progress(
        meter_position(level),
        text=f"Reads {level.estimate.value} · target {level.target.value}",
    )
    for column, mark in zip(st.columns(3), LEVEL_ORDER, strict=True):
        reads = "**reads here**" if mark is level.estimate else ""
        aim = "◆ target" if mark is level.target else ""
        column.markdown(" ".join(part for part in (mark.value, reads, aim) if part))
    reached = sum(1 for s in level.signals if s.level.rank >= level.target.rank)
    st.caption(
        f"Level fit ({result.scores.level_fit.value}/100) is how close each of the "
        f"{len(level.signals)} dimensions below comes to {level.target.value}: {reached} reach "
        f"it. The story as a whole reads {level.estimate.value}."
    )
    _signals(level.signals)
    if level.to_target:
        st.markdown("**What would move it to the target:**")
        for advice in level.to_target:
            st.markdown(f"- {markdown_escape(advice)}")
    if result.llm is not None:
        judge = result.llm.judge
        differs = judge.level != level.estimate.value
        st.markdown(
            f"Model judge: **{judge.level}**"
            + (f" ({markdown_escape(judge.note)})" if judge.note else "")
            + (" · the scores use the grader's reading above" if differs else "")
        )
        _signals(judge.signals)
        for suggestion in result.llm.suggestions:
            st.markdown(f"- {markdown_escape(suggestion)}")


def _signals(signals: list[LevelSignal]) -> None:
    """Each dimension's reading with the words of the notes that show it."""
    for signal in signals:
        evidence = quoted(signal.evidence)
        st.markdown(
            f"- **{signal.dimension.replace('_', ' ')}**: {signal.level.value}"
            + (f" — {evidence}" if evidence else "")
        )


def _metrics(result: CoachResult, notes: str) -> None:
    if not result.metrics:
        st.info("No figures in the notes yet.")
        return
    st.dataframe(
        [
            {
                "figure": m.text,
                "kind": m.kind.value,
                "section": m.section.value if m.section else "",
                "baseline": m.baseline,
                "time window": m.time_window,
                "method": m.method,
                "confidence": m.confidence,
                "attribution": m.attribution,
            }
            for m in result.metrics
        ],
        hide_index=True,
    )
    st.markdown("**Your notes, figures highlighted**")
    st.markdown(highlighted_markdown(notes, [(m.start, m.end) for m in result.metrics]))


def _carried_answers(story: StoryDetail, version: VersionRecord) -> bool:
    """The answers this version stands on, each kept for the next version unless unticked."""
    carried = _carried(story, version)
    if not carried:
        return False
    st.markdown("**Your answers so far** (they stay in the next version; untick one to drop it)")
    for i, answer in enumerate(carried):
        key = _keep_key(version.number, i)
        st.session_state.setdefault(key, True)  # through the state: kept while History is open
        # Labels render Markdown: the user's words are escaped.
        st.checkbox(
            f"{markdown_escape(answer.answer)} (in {SECTION_TITLES[answer.section]}, for: "
            f"{markdown_escape(answer.question or answer.slot)})",
            key=key,
        )
    return True


def _questions(result: CoachResult) -> bool:
    """The answer boxes; whether there are any."""
    if not result.questions:
        st.success("No open questions: the story covers what the rubric asks.")
        return False
    st.caption(
        "Answer any of these and coach again: each answer stands in the section named beside it."
    )
    for i, question in enumerate(result.questions):
        # Labels render Markdown, and a model may write the question.
        section = SECTION_TITLES[question.section] if question.section else "the story"
        st.text_area(
            f"{markdown_escape(question.question)} (+{question.gain:g} points · goes to {section})",
            key=f"answer_{i}",
            height=68,
        )
    return True


def _version_result(story_id: int, number: int) -> CoachResult:
    """A version's result, read from the bank once per session: versions never change, and a
    deleted story's id is never reused, so the copy cannot go stale."""
    cache: dict[tuple[int, int], CoachResult] = st.session_state.setdefault("versions_read", {})
    key = (story_id, number)
    if key not in cache:
        cache[key] = workspace().bank.get_version(story_id, number).result
    return cache[key]


def _history(story: StoryDetail) -> None:
    if not story.versions:
        st.info("No versions yet: press Coach.")
        return
    for record in reversed(story.versions):
        st.markdown(
            f"**Version {record.number}** · overall {record.overall} · reads {record.level} · "
            f"{record.engine} · {record.created_at:%Y-%m-%d %H:%M}"
        )
    # A Vega-Lite spec over plain rows: st.line_chart's DataFrame-to-Altair step cost ~70 ms of
    # every page run, most of a Coach click.
    rows = [
        {"version": v.number, "score": label, "value": getattr(v, name)}
        for v in story.versions
        for name, label in SCORE_TITLES.items()
    ]
    st.vega_lite_chart(
        rows,
        {
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "version", "type": "ordinal", "title": "version"},
                "y": {"field": "value", "type": "quantitative", "title": "score"},
                "color": {"field": "score", "type": "nominal", "title": None},
            },
        },
        width="stretch",
    )
    if len(story.versions) >= 2:
        numbers = [v.number for v in story.versions]
        left, right = st.columns(2)
        old = left.selectbox("Compare version", numbers, index=len(numbers) - 2, key="diff_old")
        new = right.selectbox("with version", numbers, index=len(numbers) - 1, key="diff_new")
        diff = compare(_version_result(story.id, old), _version_result(story.id, new))
        moved = ", ".join(
            f"{SCORE_TITLES[name]} {old_value} → {new_value}"
            for name, (old_value, new_value) in diff.score_changes.items()
        )
        st.markdown(f"{moved}; level {diff.level_change[0]} → {diff.level_change[1]}")
        st.code("\n".join(diff.story_diff) or "The story text did not change.", language="diff")


def _coverage(summaries: list[StorySummary]) -> None:
    rows = workspace().bank.coverage()
    st.dataframe(
        height=_ROW_HEIGHT * (len(rows) + 1) + 3,  # every principle in view, no scrolling
        data=[
            {
                "Leadership Principle": row.principle,
                "strong story": "yes" if row.strong else "",
                "stories": ", ".join(f"{s.title} ({s.level}, {s.overall})" for s in row.stories),
            }
            for row in rows
        ],
        hide_index=True,
    )
    by_level = {lv: sum(1 for s in summaries if s.latest_level == lv) for lv in ("L7", "L6", "L5")}
    st.caption("Stories reading L7: {L7} · L6: {L6} · L5: {L5}".format(**by_level))


def _export(story: StoryDetail, version: VersionRecord | None) -> None:
    if version is None:
        st.info("Coach the story first; then it can be downloaded.")
        return
    result = version.result
    st.download_button(
        "Download Markdown (case-study layout)",
        case_study_markdown(result, title=story.title, version=version.number, header=story.header),
        file_name=f"story-{story.id}-v{version.number}.md",
        mime="text/markdown",
    )
    st.download_button(
        "Download JSON",
        story_json(result, title=story.title, version=version.number, header=story.header),
        file_name=f"story-{story.id}-v{version.number}.json",
        mime="application/json",
    )
    spoken = spoken_version_for(result, workspace().rubrics.star_plus)
    spoken_text = spoken_text_with_time(spoken)
    st.download_button(
        f"Download the spoken version ({spoken.seconds // 60} min {spoken.seconds % 60} s)",
        spoken_text,
        file_name=f"story-{story.id}-v{version.number}-spoken.txt",
        mime="text/plain",
    )
    st.text(spoken_text)


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="Story Coach", layout="wide")
    setup_state()
    st.title("Story Coach")
    try:
        workspace()
    except CoachError as exc:  # a rubric file or the database cannot be read: say which, stop
        st.error(markdown_escape(str(exc)))
        return
    # Read once per run: the sidebar, the tabs and the coverage share them.
    story = _current_story()
    summaries = workspace().bank.list_stories()
    options = _sidebar(story, summaries)
    st.caption(
        "Offline engine: your notes stay on this machine."
        if options.engine is Engine.OFFLINE
        else f"Model engine: {workspace().settings.model_label}."
    )
    version = _selected_version(story)
    # Only the open view is drawn: a Coach click then sends and paints a third of the page.
    coach_tab, history_tab, coverage_tab, export_tab = st.tabs(
        list(_VIEWS), key="view", on_change="rerun"
    )
    if coach_tab.open:
        with coach_tab:
            _coach_view(story, version, options)
    if history_tab.open:
        with history_tab:
            _history(story)
    if coverage_tab.open:
        with coverage_tab:
            _coverage(summaries)
    if export_tab.open:
        with export_tab:
            _export(story, version)


main()

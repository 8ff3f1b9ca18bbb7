"""Story Coach in the browser: paste notes, press Coach, read the story, scores and questions.

This file only holds widgets, session state and rendering; everything else is in `coach/`.
"""

from __future__ import annotations

import streamlit as st

from coach import engine
from coach.config import get_settings
from coach.errors import CoachError
from coach.models import SECTION_TITLES, CoachResult, Framework, Level, PsiSection, Score, Section
from coach.reading import decode_notes
from coach.report import markdown_escape
from coach.rubrics import load_rubrics

_FRAMEWORKS = {"STAR+": Framework.STAR, "Problem-Solution-Impact": Framework.PSI}
_PSI_TITLES = {
    PsiSection.PROBLEM: "Problem",
    PsiSection.SOLUTION: "Solution",
    PsiSection.IMPACT: "Impact",
}


def setup_state() -> None:
    """Create every session key the page uses, once."""
    defaults: dict[str, object] = {"notes": "", "result": None, "error": None}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def _run_coach() -> None:
    # Read the choices from session state, not from button args: args are the previous run's.
    target = Level(st.session_state.target)
    framework = _FRAMEWORKS[st.session_state.framework]
    settings = get_settings()
    st.session_state.error = None
    try:
        st.session_state.result = engine.coach_offline(
            st.session_state.notes,
            load_rubrics(settings.rubrics_dir),
            target=target,
            framework=framework,
            max_chars=settings.max_notes_chars,
        )
    except CoachError as exc:
        st.session_state.result = None
        st.session_state.error = str(exc)


def _load_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    try:
        st.session_state.notes = decode_notes(
            upload.getvalue(), source=upload.name, max_chars=get_settings().max_notes_chars
        )
    except CoachError as exc:
        st.session_state.error = str(exc)


def _show_score(score: Score, label: str) -> None:
    st.metric(label, f"{score.value}/100")
    with st.expander(f"Why {score.value}?"):
        for part in score.components:
            st.markdown(
                f"**{part.name.replace('_', ' ')}** {part.points:g}/{part.max_points:g}: "
                f"{markdown_escape(part.reason)}  \n_{markdown_escape(part.rubric)}_"
            )


def _show_story(result: CoachResult) -> None:
    if result.framework is Framework.PSI and result.psi is not None:
        for psi_section, elements in result.psi.sections.items():
            share, aim = result.psi.shares[psi_section], result.psi.target_shares[psi_section]
            st.subheader(f"{_PSI_TITLES[psi_section]} · {share:.0%} of words (aim {aim:.0%})")
            for element in elements:
                st.markdown(f"- {markdown_escape(element.text)}")
        return
    gaps = {p.section: p for p in result.story.placeholders}
    for section in Section:
        st.subheader(SECTION_TITLES[section])
        elements = result.story.elements(section)
        for element in elements:
            st.markdown(f"- {markdown_escape(element.text)}")
            st.caption(f"from your notes, characters {element.start}-{element.end}")
        if not elements and section in gaps:
            st.info(gaps[section].text)


def _show_results(result: CoachResult) -> None:
    for flag in result.flags:
        st.warning(f"{flag.message}")
    scores = result.scores
    columns = st.columns(4)
    for column, (score, label) in zip(
        columns,
        [
            (scores.overall, "Overall"),
            (scores.quantification, "Quantification"),
            (scores.structure, "Structure"),
            (scores.level_fit, "Level fit"),
        ],
        strict=True,
    ):
        with column:
            _show_score(score, label)
    story, metrics, level, questions = st.tabs(["Story", "Metrics", "Level", "Questions"])
    with story:
        _show_story(result)
    with metrics:
        if result.metrics:
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
        else:
            st.info("No figures found in the notes yet.")
    with level:
        st.markdown(
            f"Reads **{result.level.estimate.value}** · target **{result.level.target.value}**"
        )
        for signal in result.level.signals:
            quoted = ", ".join(f"“{markdown_escape(e.text)}”" for e in signal.evidence)
            st.markdown(
                f"- **{signal.dimension.replace('_', ' ')}**: {signal.level.value}"
                + (f" — {quoted}" if quoted else "")
            )
        for advice in result.level.to_target:
            st.markdown(f"- {markdown_escape(advice)}")
    with questions:
        for number, question in enumerate(result.questions, start=1):
            st.markdown(f"{number}. {markdown_escape(question.question)} _(+{question.gain:g})_")


def main() -> None:
    """Draw the page."""
    st.set_page_config(page_title="Story Coach", layout="wide")
    setup_state()
    st.title("Story Coach")
    st.caption("Offline engine: your notes stay on this machine.")
    with st.sidebar:
        st.radio("Target level", [Level.L6.value, Level.L7.value], key="target")
        st.radio("Framework", list(_FRAMEWORKS), key="framework")
    st.file_uploader(
        "Upload notes (.txt or .md)", type=["txt", "md"], key="upload", on_change=_load_upload
    )
    st.text_area(
        "Your notes",
        key="notes",
        height=240,
        placeholder="What happened, what you did, what changed.",
    )
    st.button("Coach", type="primary", on_click=_run_coach)
    if st.session_state.error:
        st.error(st.session_state.error)
    if st.session_state.result is not None:
        _show_results(st.session_state.result)


main()

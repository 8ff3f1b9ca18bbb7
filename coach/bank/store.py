"""The story bank's API: stories, their autosaved drafts and every coached version.

The URL is a constructor argument (a SQLite file in the data folder by default; PostgreSQL for a
team), and opening a bank migrates it to head (database.py). Several browser tabs or users may
write at once, so every change is one short transaction; version numbers are allocated inside
the write transaction and guarded by UNIQUE(story_id, number), and a collision (possible on
servers that let two transactions read the same maximum) is retried.

Records returned are frozen pydantic models (records.py), never ORM objects. API keys and settings
are never stored: no column can hold them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import URL, and_, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, aliased, defer, sessionmaker

from coach.bank.database import (
    BANK_FILENAME,
    WRITE_OPTION,
    display_url,
    make_engine,
    sqlite_url,
    upgrade,
)
from coach.bank.principles import LEADERSHIP_PRINCIPLES, canonical_tags
from coach.bank.records import (
    HEADER_FACTS,
    MAX_FACT_CHARS,
    TARGETS,
    Answer,
    CoveredStory,
    PrincipleCoverage,
    StoryDetail,
    StorySummary,
    VersionRecord,
    VersionSummary,
)
from coach.bank.schema import MAX_TITLE_CHARS, StoryRow, VersionRow
from coach.config import Settings
from coach.errors import StoryBankError
from coach.models import CoachResult, Engine, Framework, Level

_VERSION_ATTEMPTS: Final = 5


class StoryBank:
    """Stories and all their coached versions, in a database safe for several writers at once."""

    def __init__(self, url: str | URL) -> None:
        """Open the bank at `url` (a SQLite file and its folder are created) and migrate it."""
        self._engine = make_engine(url)
        self._reads = sessionmaker(bind=self._engine, expire_on_commit=False)
        self._writes = sessionmaker(
            bind=self._engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        try:
            with self._translated():
                upgrade(self._engine)
        except BaseException:
            self._engine.dispose()
            raise

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> StoryBank:
        """Open the bank kept in `data_dir` (stories.sqlite3)."""
        return cls(sqlite_url(data_dir / BANK_FILENAME))

    @classmethod
    def from_settings(cls, settings: Settings) -> StoryBank:
        """Open the configured bank: `database_url` if set, else the file in `data_dir`."""
        if settings.database_url:
            return cls(settings.database_url)
        return cls.for_data_dir(settings.data_dir)

    @property
    def url(self) -> str:
        """Where the bank lives, fit to show (a password is masked)."""
        return display_url(self._engine)

    def close(self) -> None:
        """Close the bank's database connections."""
        self._engine.dispose()

    def __enter__(self) -> StoryBank:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- stories -----------------------------------------------------------------------------

    def create_story(
        self,
        title: str,
        *,
        draft: str = "",
        target: Level = Level.L6,
        framework: Framework = Framework.STAR,
    ) -> StorySummary:
        """Add a story with no versions yet and return it."""
        now = _now()
        row = StoryRow(
            title=_title(title),
            tags=[],
            target=_target(target).value,
            framework=Framework(framework).value,
            draft=draft,
            header={},
            created_at=now,
            updated_at=now,
        )
        with self._session(write=True) as session:
            session.add(row)
            session.flush()
            return _summary(row, 0, None, None)

    def list_stories(self) -> list[StorySummary]:
        """Return every story, most recently changed first."""
        counts = (
            select(
                VersionRow.story_id,
                func.count().label("count"),
                func.max(VersionRow.number).label("latest"),
            )
            .group_by(VersionRow.story_id)
            .subquery()
        )
        latest = aliased(VersionRow)
        stmt = (
            select(StoryRow, counts.c.count, latest.overall, latest.level)
            .outerjoin(counts, counts.c.story_id == StoryRow.id)
            .outerjoin(
                latest, and_(latest.story_id == StoryRow.id, latest.number == counts.c.latest)
            )
            .options(defer(StoryRow.draft))  # drafts can be long and the list never shows them
            .order_by(StoryRow.updated_at.desc(), StoryRow.id.desc())
        )
        with self._session() as session:
            return [
                _summary(story, count or 0, overall, level)
                for story, count, overall, level in session.execute(stmt)
            ]

    def get_story(self, story_id: int) -> StoryDetail:
        """Return a story with its draft and its versions' scores, oldest version first."""
        with self._session() as session:
            story = _story(session, story_id)
            versions = [
                _version_summary(row)
                for row in session.scalars(
                    select(VersionRow)
                    .where(VersionRow.story_id == story_id)
                    .options(defer(VersionRow.notes), defer(VersionRow.answers))
                    .options(defer(VersionRow.result))
                    .order_by(VersionRow.number)
                )
            ]
        last = versions[-1] if versions else None
        summary = _summary(
            story,
            len(versions),
            last.overall if last else None,
            last.level.value if last else None,
        )
        return StoryDetail(
            **summary.model_dump(),
            draft=story.draft,
            versions=tuple(versions),
            header=dict(story.header or {}),
        )

    def save_draft(self, story_id: int, draft: str) -> None:
        """Save the notes being edited (autosave); unchanged notes leave the story untouched."""
        with self._session(write=True) as session:
            story = _story(session, story_id)
            if story.draft != draft:
                story.draft = draft
                story.updated_at = _now()

    def set_options(
        self, story_id: int, *, target: Level | None = None, framework: Framework | None = None
    ) -> None:
        """Set the level the story targets and the framework it is told in (None: unchanged)."""
        changes: dict[str, str] = {}
        if target is not None:
            changes["target"] = _target(target).value
        if framework is not None:
            changes["framework"] = Framework(framework).value
        self._update(story_id, changes)

    def rename(self, story_id: int, title: str) -> None:
        """Give the story a new title."""
        self._update(story_id, {"title": _title(title)})

    def set_tags(self, story_id: int, tags: Sequence[str]) -> None:
        """Replace the story's tags with these Leadership Principles (any order or case)."""
        self._update(story_id, {"tags": list(canonical_tags(tags))})

    def set_header(self, story_id: int, facts: dict[str, str]) -> None:
        """Keep the header facts the user filled in (blank ones dropped)."""
        unknown = sorted(set(facts) - set(HEADER_FACTS))
        if unknown:
            raise StoryBankError(f"Unknown header facts: {', '.join(unknown)}.")
        kept = {name: text.strip()[:MAX_FACT_CHARS] for name, text in facts.items() if text.strip()}
        self._update(story_id, {"header": kept})

    def delete_story(self, story_id: int) -> None:
        """Delete the story and all its versions."""
        with self._session(write=True) as session:
            session.delete(_story(session, story_id))  # the database cascades to the versions

    # --- versions ----------------------------------------------------------------------------

    def add_version(
        self, story_id: int, *, notes: str, result: CoachResult, answers: Sequence[Answer]
    ) -> VersionRecord:
        """Keep a coaching run as the story's next version (numbered atomically) and return it."""
        scores = result.scores
        payload = result.model_dump_json()
        validated = tuple(Answer.model_validate(a) for a in answers)
        answer_rows = [a.model_dump() for a in validated]
        for attempt in range(1, _VERSION_ATTEMPTS + 1):
            try:
                with self._session(write=True) as session:
                    # Locks the story row on servers (a no-op on SQLite, whose IMMEDIATE
                    # transaction already holds the write lock), and refuses a missing story.
                    story = _story(session, story_id, for_update=True)
                    now = _now()
                    row = VersionRow(
                        story_id=story_id,
                        number=_next_version_number(session, story_id),
                        notes=notes,
                        answers=answer_rows,
                        engine=result.engine.value,
                        result=payload,
                        **{name: score.value for name, score in scores.by_name().items()},
                        level=result.level.estimate.value,
                        created_at=now,
                    )
                    session.add(row)
                    story.updated_at = now
                    session.flush()
                    summary = _version_summary(row)
            except IntegrityError as exc:  # another writer took this number first
                if attempt == _VERSION_ATTEMPTS:
                    raise StoryBankError(
                        f"Could not save a new version of story {story_id}: other saves kept "
                        "taking its number. Try again."
                    ) from exc
                continue
            return VersionRecord(
                **summary.model_dump(),
                notes=notes,
                answers=validated,
                result=result,
            )
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def get_version(self, story_id: int, number: int) -> VersionRecord:
        """Return one version in full, its coaching result revived."""
        with self._session() as session:
            row = session.scalars(
                select(VersionRow).where(
                    VersionRow.story_id == story_id, VersionRow.number == number
                )
            ).first()
            if row is None:
                _story(session, story_id)  # "no story" rather than "no version" when it is gone
                raise StoryBankError(f"Story {story_id} has no version {number}.")
            summary = _version_summary(row)
            notes, answers, payload = row.notes, row.answers, row.result
        try:
            result = CoachResult.model_validate_json(payload)
            revived = tuple(Answer.model_validate(a) for a in answers)
        except ValidationError as exc:
            raise StoryBankError(
                f"Version {number} of story {story_id} cannot be read: it was saved in a form "
                "this Story Coach does not understand."
            ) from exc
        return VersionRecord(**summary.model_dump(), notes=notes, answers=revived, result=result)

    # --- coverage ----------------------------------------------------------------------------

    def coverage(self, strong_at: int = 70) -> list[PrincipleCoverage]:
        """Return, for every Leadership Principle, its tagged stories and whether one is strong."""
        if not 0 <= strong_at <= 100:
            raise StoryBankError(f"A strong story scores 0-100; {strong_at} is out of range.")
        ranked = select(
            VersionRow.story_id,
            VersionRow.overall,
            VersionRow.level,
            func.row_number()
            .over(
                partition_by=VersionRow.story_id,
                order_by=(VersionRow.overall.desc(), VersionRow.number.desc()),
            )
            .label("rank"),
        ).subquery()
        stmt = select(
            StoryRow.id, StoryRow.title, StoryRow.tags, ranked.c.overall, ranked.c.level
        ).outerjoin(ranked, and_(ranked.c.story_id == StoryRow.id, ranked.c.rank == 1))
        by_principle: dict[str, list[CoveredStory]] = {p: [] for p in LEADERSHIP_PRINCIPLES}
        with self._session() as session:
            for story_id, title, tags, overall, level in session.execute(stmt):
                covered = CoveredStory(
                    story_id=story_id,
                    title=title,
                    overall=overall,
                    level=level,
                    strong=overall is not None and overall >= strong_at,
                )
                for tag in tags:
                    if tag in by_principle:
                        by_principle[tag].append(covered)
        return [
            PrincipleCoverage(
                principle=principle,
                stories=tuple(sorted(stories, key=_best_first)),
                strong=any(s.strong for s in stories),
            )
            for principle, stories in by_principle.items()
        ]

    # --- plumbing ----------------------------------------------------------------------------

    def _update(self, story_id: int, changes: dict[str, Any]) -> None:
        with self._session(write=True) as session:
            story = _story(session, story_id)
            changed = False
            for name, value in changes.items():
                if getattr(story, name) != value:
                    setattr(story, name, value)
                    changed = True
            if changed:
                story.updated_at = _now()

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Session]:
        """Yield a session in one short transaction: committed at exit, rolled back on error."""
        factory = self._writes if write else self._reads
        with self._translated(), factory.begin() as session:
            yield session

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:  # locked past the busy timeout, unreachable, disk full
            raise StoryBankError(
                f"The story bank at {self.url} is unavailable ({exc.orig}). Try again in a moment."
            ) from exc


def _title(title: str) -> str:
    stripped = title.strip()
    if not stripped:
        raise StoryBankError("A story needs a title.")
    if len(stripped) > MAX_TITLE_CHARS:
        raise StoryBankError(
            f"A story title can be at most {MAX_TITLE_CHARS} characters; "
            f"this one has {len(stripped)}."
        )
    return stripped


def _target(target: Level | str) -> Level:
    for level in TARGETS:
        if target == level:
            return level
    raise StoryBankError(f"A story can target L6 or L7, not {target}.")


def _best_first(story: CoveredStory) -> tuple[int, str, int]:
    # Highest score first; stories not coached yet (no score) last.
    return (-(story.overall if story.overall is not None else -1), story.title, story.story_id)


def _now() -> datetime:
    return datetime.now(UTC)


def _story(session: Session, story_id: int, *, for_update: bool = False) -> StoryRow:
    stmt = select(StoryRow).where(StoryRow.id == story_id)
    story = session.scalars(stmt.with_for_update() if for_update else stmt).first()
    if story is None:
        raise StoryBankError(f"No story with id {story_id}.")
    return story


def _next_version_number(session: Session, story_id: int) -> int:
    latest = session.scalar(
        select(func.max(VersionRow.number)).where(VersionRow.story_id == story_id)
    )
    return (latest or 0) + 1


def _summary(story: StoryRow, count: int, overall: int | None, level: str | None) -> StorySummary:
    return StorySummary(
        id=story.id,
        title=story.title,
        tags=tuple(p for p in LEADERSHIP_PRINCIPLES if p in story.tags),
        target=Level(story.target),
        framework=Framework(story.framework),
        version_count=count,
        latest_overall=overall,
        latest_level=Level(level) if level is not None else None,
        created_at=story.created_at,
        updated_at=story.updated_at,
    )


def _version_summary(row: VersionRow) -> VersionSummary:
    return VersionSummary(
        story_id=row.story_id,
        number=row.number,
        engine=Engine(row.engine),
        overall=row.overall,
        quantification=row.quantification,
        structure=row.structure,
        level_fit=row.level_fit,
        level=Level(row.level),
        created_at=row.created_at,
    )

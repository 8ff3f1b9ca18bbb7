"""The story bank: stories, their autosaved drafts and every coached version, in a database.

SQLAlchemy 2 keeps the bank in one SQLite file by default (`<data_dir>/stories.sqlite3`, created
on first use, owner-only); the URL is a constructor argument, so a team deployment can point it at
PostgreSQL. The schema is versioned by the Alembic migrations beside this module, applied to
head whenever a bank is opened.

Several browser tabs or users may write at once, so every change is one short transaction. On
SQLite the file is in WAL mode (readers never block the writer), foreign keys are on, a busy
timeout absorbs brief locks, and writes start with BEGIN IMMEDIATE so two writers queue up instead
of failing on a stale read snapshot. Version numbers are allocated inside the write transaction
and guarded by UNIQUE(story_id, number); a collision (possible on servers that let two
transactions read the same maximum) is retried.

Records returned are frozen pydantic models, never ORM objects. API keys and settings are never
stored: no column can hold them.
"""

from __future__ import annotations

import difflib
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import (
    JSON,
    URL,
    Connection,
    DateTime,
    Dialect,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    and_,
    create_engine,
    event,
    func,
    make_url,
    select,
    text,
)
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    aliased,
    defer,
    mapped_column,
    sessionmaker,
)

from coach.config import Settings
from coach.errors import StoryBankError
from coach.lexicon import load_lexicon
from coach.models import CoachResult, Framework, HeaderFacts, Level, Section
from coach.models import Engine as CoachEngine
from coach.private_files import create_private_file

# The case study's header facts, in the seed's order.
HEADER_FACTS: tuple[str, ...] = tuple(HeaderFacts.model_fields)
MAX_FACT_CHARS = 200

# Amazon's Leadership Principles in their canonical order (rubrics/lexicon.v1.yaml).
LEADERSHIP_PRINCIPLES: tuple[str, ...] = load_lexicon().leadership_principles

BANK_FILENAME: Final = "stories.sqlite3"
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
MAX_TITLE_CHARS: Final = 120
TARGETS: tuple[Level, ...] = (Level.L6, Level.L7)

_BUSY_TIMEOUT_MS: Final = 10_000
_VERSION_ATTEMPTS: Final = 5
_WRITE_OPTION: Final = "storycoach_write"
# Any fixed number: the key of the PostgreSQL advisory lock that serialises migrating processes.
_PG_MIGRATION_LOCK_KEY: Final = 0x5C0AC4
# Alembic's `context` and `op` are module-level proxies, so one process migrates one bank at a time.
_MIGRATION_LOCK = threading.Lock()


# --- records (what callers get back) ---------------------------------------------------------


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Answer(_Record):
    """A follow-up question, the user's answer to it, and the slot and section it fills."""

    question: str
    answer: str
    slot: str
    section: Section | None = None  # None in versions saved before answers were pinned


class StorySummary(_Record):
    """A story as the story list shows it."""

    id: int
    title: str
    tags: tuple[str, ...] = Field(description="Leadership Principles, in their canonical order.")
    target: Level
    framework: Framework
    version_count: int
    latest_overall: int | None = Field(description="Overall score of the latest version.")
    latest_level: Level | None = Field(description="Level the latest version reads as.")
    created_at: datetime
    updated_at: datetime


class VersionSummary(_Record):
    """A coached version's scores, for the history list and the charts."""

    story_id: int
    number: int
    engine: CoachEngine
    overall: int
    quantification: int
    structure: int
    level_fit: int
    level: Level
    created_at: datetime


class VersionRecord(VersionSummary):
    """A coached version in full: the notes coached, the answers folded in, and the result."""

    notes: str
    answers: tuple[Answer, ...]
    result: CoachResult


class StoryDetail(StorySummary):
    """A story opened for editing: its draft, header facts and versions, oldest first."""

    draft: str
    versions: tuple[VersionSummary, ...]
    header: dict[str, str] = Field(
        default_factory=dict, description="Header facts the user filled in: name -> text."
    )


class CoveredStory(_Record):
    """A story tagged with a principle, with its best version's overall score and level."""

    story_id: int
    title: str
    overall: int | None = Field(description="Best overall score of any version; None if uncoached.")
    level: Level | None = Field(description="Level the best version reads as.")
    strong: bool


class PrincipleCoverage(_Record):
    """The stories that cover one Leadership Principle, best first."""

    principle: str
    stories: tuple[CoveredStory, ...]
    strong: bool = Field(description="Whether any tagged story scores at least the threshold.")


# --- schema (the migrations create it; keep the two in step) ---------------------------------


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store aware timestamps in UTC; naive ones are refused, they have no meaning."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the story bank stores timezone-aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Read a timestamp back as aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Mapped tables of the story bank."""

    # Named constraints let later migrations alter them, batch-mode on SQLite included.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class StoryRow(Base):
    """A story: its title, tags, options and the draft being edited."""

    __tablename__ = "stories"
    # AUTOINCREMENT: SQLite never reuses a deleted story's id, so a tab still showing it cannot
    # write into a newer story.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_CHARS))
    tags: Mapped[list[str]] = mapped_column(JSON)
    target: Mapped[str] = mapped_column(String(2))
    framework: Mapped[str] = mapped_column(String(8))
    draft: Mapped[str] = mapped_column(Text)
    # The case study's header facts as the user filled them in (fact name -> text).
    header: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VersionRow(Base):
    """One coaching run of a story, numbered 1, 2, 3... within the story."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("story_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text)
    answers: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    engine: Mapped[str] = mapped_column(String(16))
    result: Mapped[str] = mapped_column(Text)
    # Denormalised from `result` so the history and charts never parse it.
    overall: Mapped[int] = mapped_column(Integer)
    quantification: Mapped[int] = mapped_column(Integer)
    structure: Mapped[int] = mapped_column(Integer)
    level_fit: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- engine and migrations -------------------------------------------------------------------


def sqlite_url(path: Path) -> URL:
    """Return the URL of a SQLite file (built, not formatted, so any path character is safe)."""
    return URL.create("sqlite", database=str(path))


def make_engine(url: str | URL) -> Engine:
    """Create an engine for the bank; for SQLite, the file (owner-only), WAL, FKs, busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The parse error quotes the URL, which may hold a password: say less.
        raise StoryBankError("The story bank URL is not a valid database URL.") from None
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(parsed, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:  # an unknown dialect, a driver not installed
            raise StoryBankError(
                f"Cannot open the story bank: no usable {parsed.drivername} driver ({exc})."
            ) from exc
    path = _sqlite_file(parsed)
    if path is not None:
        try:
            create_private_file(path)  # owner-only: the notes are personal
        except OSError as exc:
            raise StoryBankError(
                f"Cannot create the story bank at {path}: {exc.strerror}."
            ) from exc
    engine = create_engine(parsed)
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None  # in memory, or a URI SQLite resolves itself
    if url.query.get("uri"):
        return None
    return Path(database)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling begins lazily and not before DDL; switch it off and
    # emit BEGIN from the "begin" event instead, so every transaction (DDL too) is a real one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")  # first: WAL may wait
        cursor.execute("PRAGMA foreign_keys = ON")  # per connection; off by default
        # A property of the file: the first connection switches it, later ones find it set.
        # synchronous stays FULL: these are the user's stories, not a cache.
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front (waiting up to the busy timeout); a deferred
    # transaction that reads and then writes can fail at once on a snapshot another writer moved.
    immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config() -> Config:
    """Return an Alembic config for the bank's migrations (no alembic.ini needed)."""
    config = Config()
    # ConfigParser interpolates '%', which a folder name may contain.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """Yield a connection in one write transaction, fit to change the schema, committed at exit.

    On SQLite foreign keys are off while migrating (a batch migration recreates tables, and
    dropping a parent with them on would cascade-delete every version); the keys are checked
    before the commit. Concurrent migrators queue on the write lock (an advisory lock on
    PostgreSQL) and find the schema already at head.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        if sqlite:
            _outside_transaction(conn, "PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK_KEY}
                    )
                yield conn
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise StoryBankError(
                        "A story bank migration would leave versions without their story; "
                        "nothing was changed."
                    )
        finally:
            if sqlite and not conn.invalidated:
                _outside_transaction(conn, "PRAGMA foreign_keys = ON")


def _outside_transaction(conn: Connection, sql: str) -> None:
    # Through the driver: some pragmas are ignored inside a transaction, and any statement sent
    # through SQLAlchemy would open one.
    driver = conn.connection.driver_connection
    assert driver is not None, "a checked-out connection has a driver connection"
    driver.execute(sql)


def upgrade(engine: Engine) -> None:
    """Bring the bank's schema to the newest migration; a bank already there is left as it is."""
    with _MIGRATION_LOCK, migration_connection(engine) as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as exc:  # a revision this code does not know: a newer Story Coach
            raise StoryBankError(
                f"The story bank at {_display_url(engine)} was written by a newer Story Coach "
                f"({exc}); update Story Coach to open it."
            ) from exc


def _display_url(engine: Engine) -> str:
    url = engine.url
    path = _sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    return str(path) if path is not None else url.render_as_string(hide_password=True)


# --- the bank --------------------------------------------------------------------------------


class StoryBank:
    """Stories and all their coached versions, in a database safe for several writers at once."""

    def __init__(self, url: str | URL) -> None:
        """Open the bank at `url` (a SQLite file and its folder are created) and migrate it."""
        self._engine = make_engine(url)
        self._reads = sessionmaker(bind=self._engine, expire_on_commit=False)
        self._writes = sessionmaker(
            bind=self._engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
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
        return _display_url(self._engine)

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


def canonical_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Return the Leadership Principles named by `tags`, deduplicated, in canonical order."""
    if isinstance(tags, str):  # one tag, not a sequence of characters
        tags = [tags]
    chosen: set[str] = set()
    for tag in tags:
        principle = _PRINCIPLES_BY_KEY.get(_principle_key(tag))
        if principle is None:
            raise StoryBankError(_unknown_tag_message(tag))
        chosen.add(principle)
    return tuple(p for p in LEADERSHIP_PRINCIPLES if p in chosen)


def _principle_key(name: str) -> str:
    # Case, punctuation and apostrophe style are free: "are right a lot", "Earth’s" both match.
    return " ".join(re.findall(r"[a-z0-9]+", name.casefold().replace("’", "").replace("'", "")))


_PRINCIPLES_BY_KEY: Final = {_principle_key(p): p for p in LEADERSHIP_PRINCIPLES}


def _unknown_tag_message(tag: str) -> str:
    shown = tag.strip()
    if not shown:
        return "A tag cannot be empty: choose one of Amazon's Leadership Principles."
    close = difflib.get_close_matches(_principle_key(tag), list(_PRINCIPLES_BY_KEY), n=1)
    if close:
        return (
            f"'{shown}' is not one of Amazon's Leadership Principles; "
            f"did you mean '{_PRINCIPLES_BY_KEY[close[0]]}'?"
        )
    return (
        f"'{shown}' is not one of Amazon's Leadership Principles. They are: "
        + ", ".join(LEADERSHIP_PRINCIPLES)
        + "."
    )


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
        engine=CoachEngine(row.engine),
        overall=row.overall,
        quantification=row.quantification,
        structure=row.structure,
        level_fit=row.level_fit,
        level=Level(row.level),
        created_at=row.created_at,
    )

"""Opening the bank's database: the engine, SQLite's pragmas and transactions, and migrating the
schema to head with Alembic (the migrations beside this module).

On SQLite the file is owner-only and in WAL mode (readers never block the writer), foreign keys
are on, a busy timeout absorbs brief locks, and writes start with BEGIN IMMEDIATE so two writers
queue up instead of failing on a stale read snapshot.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

from coach.errors import StoryBankError
from coach.private_files import create_private_file

BANK_FILENAME: Final = "stories.sqlite3"
MIGRATIONS_DIR: Final = Path(__file__).resolve().parent / "migrations"
# The execution option that makes a connection's transactions writers (BEGIN IMMEDIATE).
WRITE_OPTION: Final = "storycoach_write"
# The newest migration (tests/test_bank.py holds it to Alembic's own reading of the migrations): a
# bank already there opens without importing Alembic, which would cost every CLI run 0.15 s.
HEAD_REVISION: Final = "0002"

_BUSY_TIMEOUT_MS: Final = 10_000
# Any fixed number: the key of the PostgreSQL advisory lock that serialises migrating processes.
_PG_MIGRATION_LOCK_KEY: Final = 0x5C0AC4
# Alembic's `context` and `op` are module-level proxies, so one process migrates one bank at a time.
_MIGRATION_LOCK = threading.Lock()


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
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config() -> Config:
    """Return an Alembic config for the bank's migrations (no alembic.ini needed)."""
    from alembic.config import Config

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
        conn.execution_options(**{WRITE_OPTION: True})
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
    if _revision(engine) == HEAD_REVISION:
        return
    from alembic import command
    from alembic.util.exc import CommandError

    with _MIGRATION_LOCK, migration_connection(engine) as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "head")
        except CommandError as exc:  # a revision this code does not know: a newer Story Coach
            raise StoryBankError(
                f"The story bank at {display_url(engine)} was written by a newer Story Coach "
                f"({exc}); update Story Coach to open it."
            ) from exc


def _revision(engine: Engine) -> str | None:
    """The migration the bank's schema is at, read as Alembic records it (None for a new bank)."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no such table: a bank never migrated
            return None


def display_url(engine: Engine) -> str:
    """Where the bank lives, fit to show: a SQLite file's path, else the URL, password masked."""
    url = engine.url
    path = _sqlite_file(url) if url.get_backend_name() == "sqlite" else None
    return str(path) if path is not None else url.render_as_string(hide_password=True)

"""The story bank: stories and versions kept safely in SQLite, schema by Alembic, no secrets."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.orm import Session

import coach.bank.database
import coach.bank.store
from coach.bank import LEADERSHIP_PRINCIPLES, Answer, StoryBank
from coach.bank.database import (
    BANK_FILENAME,
    HEAD_REVISION,
    alembic_config,
    make_engine,
    sqlite_url,
    upgrade,
)
from coach.bank.schema import Base
from coach.config import PROJECT_ROOT, get_settings
from coach.errors import CoachError, StoryBankError
from coach.judgement.offline import coach_offline
from coach.judgement.rubrics import RubricSet
from coach.models import CoachResult, Engine, Framework, Level

NOTES = """Checkout p99 latency was 2.1s at peak and pages woke the on-call team every night.
I owned the fix before the holiday freeze; the target was p99 under 500ms.
I profiled the service, found lock contention in the connection pool and chose an async queue
for the inventory check over a bigger pool, because it removed the contention instead of hiding it.
I convinced three teams to adopt the circuit breaker I wrote around payments.
Result: p99 fell from 2.1s to 420ms over Black Friday week, and pages dropped from 12 a week to 1.
"""
ANSWERS = [
    Answer(question="How did you measure it?", answer="Datadog APM, 7-day p99.", slot="method"),
    Answer(question="What did you learn?", answer="Measure before tuning.", slot="lessons"),
]


@pytest.fixture(scope="module")
def result(rubrics: RubricSet) -> CoachResult:
    """One real offline coaching result."""
    return coach_offline(NOTES, rubrics, target=Level.L6, max_chars=40_000)


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[StoryBank]:
    """A fresh bank in its own folder."""
    with StoryBank.for_data_dir(tmp_path) as opened:
        yield opened


def scored(result: CoachResult, overall: int, level: Level) -> CoachResult:
    """The result with another overall score and level estimate."""
    scores = result.scores.model_copy(
        update={"overall": result.scores.overall.model_copy(update={"value": overall})}
    )
    reading = result.level.model_copy(update={"estimate": level})
    return result.model_copy(update={"scores": scores, "level": reading})


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, to look behind the bank's back."""
    return sqlite3.connect(path / BANK_FILENAME)


# --- stories ---------------------------------------------------------------------------------


def test_create_list_and_open(bank: StoryBank) -> None:
    first = bank.create_story("  Checkout latency  ", draft="rough notes")
    second = bank.create_story("Migration", target=Level.L7, framework=Framework.PSI)

    assert first.title == "Checkout latency"
    assert (first.target, first.framework, first.tags) == (Level.L6, Framework.STAR, ())
    assert (first.version_count, first.latest_overall, first.latest_level) == (0, None, None)
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == UTC.utcoffset(
        None
    )
    assert [s.id for s in bank.list_stories()] == [second.id, first.id]  # newest first

    opened = bank.get_story(first.id)
    assert opened.draft == "rough notes"
    assert opened.versions == ()
    assert opened.model_dump(exclude={"draft", "versions", "header"}) == first.model_dump()
    assert bank.get_story(second.id).target is Level.L7


def test_editing_a_story_moves_it_to_the_top(bank: StoryBank) -> None:
    old = bank.create_story("Old")
    new = bank.create_story("New")
    bank.save_draft(old.id, "more notes")
    assert [s.id for s in bank.list_stories()] == [old.id, new.id]
    assert bank.get_story(old.id).draft == "more notes"

    before = bank.get_story(old.id).updated_at
    bank.save_draft(old.id, "more notes")  # an autosave of the same text changes nothing
    assert bank.get_story(old.id).updated_at == before


def test_rename_and_options(bank: StoryBank) -> None:
    story = bank.create_story("Draft title")
    bank.rename(story.id, "\tPayments outage\n")
    bank.set_options(story.id, target=Level.L7, framework=Framework.PSI)
    opened = bank.get_story(story.id)
    assert (opened.title, opened.target, opened.framework) == (
        "Payments outage",
        Level.L7,
        Framework.PSI,
    )
    bank.set_options(story.id, framework=Framework.STAR)  # the target stays
    assert bank.get_story(story.id).target is Level.L7


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "A story needs a title."),
        ("   \n", "A story needs a title."),
        ("x" * 121, "A story title can be at most 120 characters; this one has 121."),
    ],
)
def test_bad_titles_are_refused(bank: StoryBank, title: str, message: str) -> None:
    with pytest.raises(StoryBankError) as raised:
        bank.create_story(title)
    assert str(raised.value) == message
    story = bank.create_story("x" * 120)
    with pytest.raises(StoryBankError, match="title"):
        bank.rename(story.id, title)
    assert bank.get_story(story.id).title == "x" * 120


def test_a_story_targets_l6_or_l7(bank: StoryBank) -> None:
    with pytest.raises(StoryBankError, match=r"^A story can target L6 or L7, not L5\.$"):
        bank.create_story("Too junior", target=Level.L5)
    story = bank.create_story("Fine")
    with pytest.raises(StoryBankError, match="not L5"):
        bank.set_options(story.id, target=Level.L5)


def test_the_sixteen_leadership_principles() -> None:
    assert len(LEADERSHIP_PRINCIPLES) == len(set(LEADERSHIP_PRINCIPLES)) == 16
    assert LEADERSHIP_PRINCIPLES[0] == "Customer Obsession"
    assert "Have Backbone; Disagree and Commit" in LEADERSHIP_PRINCIPLES
    assert "Strive to be Earth's Best Employer" in LEADERSHIP_PRINCIPLES
    assert LEADERSHIP_PRINCIPLES[-1] == "Success and Scale Bring Broad Responsibility"


def test_tags_are_principles_in_canonical_order(bank: StoryBank) -> None:
    story = bank.create_story("Tagged")
    bank.set_tags(
        story.id,
        [
            "Dive Deep",
            "customer obsession",
            "Are Right A Lot",
            "Dive Deep",
            "Strive to be Earth’s Best Employer",
        ],
    )
    assert bank.get_story(story.id).tags == (
        "Customer Obsession",
        "Are Right, A Lot",
        "Dive Deep",
        "Strive to be Earth's Best Employer",
    )
    bank.set_tags(story.id, [])
    assert bank.list_stories()[0].tags == ()


def test_an_unknown_tag_is_refused_and_nothing_changes(bank: StoryBank) -> None:
    story = bank.create_story("Tagged")
    bank.set_tags(story.id, ["Ownership"])
    with pytest.raises(StoryBankError) as raised:
        bank.set_tags(story.id, ["Ownership", "Customer Obsesion"])
    assert str(raised.value) == (
        "'Customer Obsesion' is not one of Amazon's Leadership Principles; "
        "did you mean 'Customer Obsession'?"
    )
    with pytest.raises(
        StoryBankError, match=r"'Teamwork' is not .* They are: Customer Obsession, "
    ):
        bank.set_tags(story.id, ["Teamwork"])
    assert bank.get_story(story.id).tags == ("Ownership",)


def test_missing_stories_are_named(bank: StoryBank, result: CoachResult) -> None:
    calls: list[Callable[[], object]] = [
        lambda: bank.get_story(42),
        lambda: bank.save_draft(42, "x"),
        lambda: bank.rename(42, "x"),
        lambda: bank.set_tags(42, []),
        lambda: bank.set_options(42, target=Level.L7),
        lambda: bank.delete_story(42),
        lambda: bank.get_version(42, 1),
        lambda: bank.add_version(42, notes=NOTES, result=result, answers=[]),
    ]
    for call in calls:
        with pytest.raises(StoryBankError) as raised:
            call()
        assert str(raised.value) == "No story with id 42."
        assert isinstance(raised.value, CoachError)


# --- versions --------------------------------------------------------------------------------


def test_versions_are_numbered_per_story(bank: StoryBank, result: CoachResult) -> None:
    one = bank.create_story("One")
    two = bank.create_story("Two")
    numbers = [
        bank.add_version(story.id, notes=NOTES, result=result, answers=[]).number
        for story in (one, two, one, one, two)
    ]
    assert numbers == [1, 1, 2, 3, 2]
    assert [v.number for v in bank.get_story(one.id).versions] == [1, 2, 3]
    with pytest.raises(StoryBankError, match=r"^Story 2 has no version 3\.$"):
        bank.get_version(two.id, 3)


def test_a_result_round_trips(bank: StoryBank, result: CoachResult) -> None:
    story = bank.create_story("Latency")
    saved = bank.add_version(story.id, notes=NOTES, result=result, answers=ANSWERS)
    loaded = bank.get_version(story.id, saved.number)

    assert loaded == saved
    assert loaded.result == result
    assert loaded.result.model_dump_json() == result.model_dump_json()
    assert loaded.answers == tuple(ANSWERS)
    assert loaded.notes == NOTES
    assert (loaded.overall, loaded.quantification, loaded.structure, loaded.level_fit) == (
        result.scores.overall.value,
        result.scores.quantification.value,
        result.scores.structure.value,
        result.scores.level_fit.value,
    )
    assert (loaded.level, loaded.engine) == (result.level.estimate, Engine.OFFLINE)

    summary = bank.list_stories()[0]
    assert (summary.version_count, summary.latest_overall, summary.latest_level) == (
        1,
        result.scores.overall.value,
        result.level.estimate,
    )
    (listed,) = bank.get_story(story.id).versions
    assert listed.model_dump() == loaded.model_dump(include=set(type(listed).model_fields))


def test_the_latest_version_is_the_highest_number(bank: StoryBank, result: CoachResult) -> None:
    story = bank.create_story("Improving")
    bank.add_version(story.id, notes=NOTES, result=scored(result, 40, Level.L5), answers=[])
    bank.add_version(story.id, notes=NOTES, result=scored(result, 81, Level.L7), answers=[])
    summary = bank.list_stories()[0]
    assert (summary.version_count, summary.latest_overall, summary.latest_level) == (
        2,
        81,
        Level.L7,
    )
    assert [v.overall for v in bank.get_story(story.id).versions] == [40, 81]


def test_deleting_a_story_deletes_its_versions(
    tmp_path: Path, bank: StoryBank, result: CoachResult
) -> None:
    doomed = bank.create_story("Doomed")
    kept = bank.create_story("Kept")
    for story in (doomed, doomed, kept):
        bank.add_version(story.id, notes=NOTES, result=result, answers=[])

    bank.delete_story(doomed.id)

    assert [s.id for s in bank.list_stories()] == [kept.id]
    with pytest.raises(StoryBankError, match=f"No story with id {doomed.id}."):
        bank.get_story(doomed.id)
    with raw(tmp_path) as conn:
        rows = conn.execute("SELECT story_id, number FROM versions").fetchall()
    assert rows == [(kept.id, 1)]
    # A deleted story's id is never handed out again: a tab still showing it cannot write here.
    assert bank.create_story("Later").id > kept.id > doomed.id
    bank.delete_story(kept.id)
    assert bank.create_story("Latest").id > kept.id


def test_a_number_taken_meanwhile_is_retried(
    bank: StoryBank, result: CoachResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = bank.create_story("Contended")
    bank.add_version(story.id, notes=NOTES, result=result, answers=[])
    real = coach.bank.store._next_version_number
    stale = iter([1, 1])  # as if another writer had just committed version 1

    def next_number(session: Session, story_id: int) -> int:
        return next(stale, None) or real(session, story_id)

    monkeypatch.setattr(coach.bank.store, "_next_version_number", next_number)
    assert bank.add_version(story.id, notes=NOTES, result=result, answers=[]).number == 2

    monkeypatch.setattr(coach.bank.store, "_next_version_number", lambda session, story_id: 1)
    with pytest.raises(StoryBankError, match=r"other saves kept taking its number\. Try again\.$"):
        bank.add_version(story.id, notes=NOTES, result=result, answers=[])
    assert [v.number for v in bank.get_story(story.id).versions] == [1, 2]


def test_concurrent_writers_lose_no_version(tmp_path: Path, result: CoachResult) -> None:
    with StoryBank.for_data_dir(tmp_path) as setup:
        story = setup.create_story("Busy")
    threads, per_thread = 8, 5
    start = threading.Barrier(threads)
    saved: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        try:
            with StoryBank.for_data_dir(tmp_path) as bank:  # one bank per tab or user
                start.wait()
                for i in range(per_thread):
                    record = bank.add_version(
                        story.id, notes=f"{index}-{i}", result=result, answers=[]
                    )
                    bank.save_draft(story.id, f"draft {index}-{i}")
                    with lock:
                        saved.append(record.number)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    total = threads * per_thread
    assert sorted(saved) == list(range(1, total + 1))
    with StoryBank.for_data_dir(tmp_path) as bank:
        versions = bank.get_story(story.id).versions
        assert [v.number for v in versions] == list(range(1, total + 1))
        notes = {bank.get_version(story.id, v.number).notes for v in versions}
    assert notes == {f"{t}-{i}" for t in range(threads) for i in range(per_thread)}


def test_an_unreadable_result_is_reported(
    tmp_path: Path, bank: StoryBank, result: CoachResult
) -> None:
    story = bank.create_story("Old format")
    bank.add_version(story.id, notes=NOTES, result=result, answers=[])
    with raw(tmp_path) as conn:
        conn.execute('UPDATE versions SET result = \'{"engine": "steam"}\'')
    with pytest.raises(StoryBankError) as raised:
        bank.get_version(story.id, 1)
    assert str(raised.value) == (
        f"Version 1 of story {story.id} cannot be read: it was saved in a form this Story Coach "
        "does not understand."
    )


# --- coverage --------------------------------------------------------------------------------


def test_coverage(bank: StoryBank, result: CoachResult) -> None:
    strong = bank.create_story("Strong")
    weak = bank.create_story("Weak")
    fresh = bank.create_story("Not coached yet")
    bank.set_tags(strong.id, ["Ownership", "Dive Deep"])
    bank.set_tags(weak.id, ["Ownership", "Earn Trust"])
    bank.set_tags(fresh.id, ["Earn Trust"])
    for overall, level in ((55, Level.L5), (82, Level.L7), (74, Level.L6)):
        bank.add_version(strong.id, notes=NOTES, result=scored(result, overall, level), answers=[])
    bank.add_version(weak.id, notes=NOTES, result=scored(result, 60, Level.L6), answers=[])

    rows = {row.principle: row for row in bank.coverage()}

    assert list(rows) == list(LEADERSHIP_PRINCIPLES)
    ownership = rows["Ownership"]
    assert ownership.strong
    assert [(s.title, s.overall, s.level, s.strong) for s in ownership.stories] == [
        ("Strong", 82, Level.L7, True),  # its best version, not its latest
        ("Weak", 60, Level.L6, False),
    ]
    trust = rows["Earn Trust"]
    assert not trust.strong
    assert [(s.title, s.overall, s.level) for s in trust.stories] == [
        ("Weak", 60, Level.L6),
        ("Not coached yet", None, None),
    ]
    assert rows["Frugality"].stories == () and not rows["Frugality"].strong
    assert not {r.principle: r for r in bank.coverage(strong_at=90)}["Ownership"].strong
    with pytest.raises(StoryBankError, match="0-100"):
        bank.coverage(strong_at=101)


# --- database, migrations, safety ------------------------------------------------------------


def test_the_database_is_created_in_a_new_folder(tmp_path: Path) -> None:
    folder = tmp_path / "new" / "data"
    with StoryBank.for_data_dir(folder) as bank:
        bank.create_story("First")
    path = folder / BANK_FILENAME
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the notes are personal


def test_an_uncreatable_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoryBankError, match=r"^Cannot create the story bank at .*file"):
        StoryBank.for_data_dir(blocker / "data")


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path, bank: StoryBank) -> None:
    with raw(tmp_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    engine = make_engine(sqlite_url(tmp_path / BANK_FILENAME))
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
    finally:
        engine.dispose()


def _revision(path: Path) -> str | None:
    engine = make_engine(sqlite_url(path / BANK_FILENAME))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_a_fresh_bank_is_at_the_head_revision(tmp_path: Path, bank: StoryBank) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head == "0002" == HEAD_REVISION  # the constant that spares an up-to-date bank Alembic
    assert _revision(tmp_path) == head
    with raw(tmp_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]


def test_upgrading_again_changes_nothing(
    tmp_path: Path, bank: StoryBank, result: CoachResult
) -> None:
    story = bank.create_story("Survivor")
    bank.add_version(story.id, notes=NOTES, result=result, answers=ANSWERS)
    with raw(tmp_path) as conn:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()

    engine = make_engine(sqlite_url(tmp_path / BANK_FILENAME))
    try:
        upgrade(engine)
        upgrade(engine)
    finally:
        engine.dispose()
    with StoryBank.for_data_dir(tmp_path) as reopened:
        assert reopened.get_version(story.id, 1).answers == tuple(ANSWERS)

    with raw(tmp_path) as conn:
        assert conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name"
        ).fetchall() == (schema)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]


def test_the_migrations_match_the_mapped_tables(tmp_path: Path, bank: StoryBank) -> None:
    engine = make_engine(sqlite_url(tmp_path / BANK_FILENAME))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


@contextmanager
def _migrated(tmp_path: Path, revision: str) -> Iterator[Connection]:
    """A bank upgraded by the alembic command API to `revision`, its connection still open."""
    engine = make_engine(sqlite_url(tmp_path / BANK_FILENAME))
    try:
        with engine.begin() as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            yield conn
    finally:
        engine.dispose()


def test_the_alembic_command_api_works_without_an_ini(tmp_path: Path) -> None:
    with _migrated(tmp_path, "head"):
        pass
    assert _revision(tmp_path) == "0002"
    with StoryBank.for_data_dir(tmp_path) as bank:  # opening a migrated bank migrates nothing
        assert bank.list_stories() == []


def test_banks_opened_at_once_on_a_new_file_all_work(tmp_path: Path) -> None:
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_and_write(index: int) -> None:
        try:
            start.wait()
            with StoryBank.for_data_dir(tmp_path) as bank:
                bank.create_story(f"Story {index}")
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=open_and_write, args=(i,)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    with StoryBank.for_data_dir(tmp_path) as bank:
        assert sorted(s.title for s in bank.list_stories()) == [f"Story {i}" for i in range(4)]


def test_a_bank_from_a_newer_story_coach_is_refused(tmp_path: Path) -> None:
    StoryBank.for_data_dir(tmp_path).close()
    with raw(tmp_path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoryBankError, match="was written by a newer Story Coach") as raised:
        StoryBank.for_data_dir(tmp_path)
    assert str(tmp_path / BANK_FILENAME) in str(raised.value)


def test_a_locked_database_is_reported(
    tmp_path: Path, bank: StoryBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = bank.create_story("Locked")
    monkeypatch.setattr(coach.bank.database, "_BUSY_TIMEOUT_MS", 50)
    hurried = StoryBank.for_data_dir(tmp_path)
    holder = sqlite3.connect(tmp_path / BANK_FILENAME, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with pytest.raises(StoryBankError) as raised:
            hurried.save_draft(story.id, "typed while locked")
        assert str(raised.value) == (
            f"The story bank at {tmp_path / BANK_FILENAME} is unavailable (database is locked). "
            "Try again in a moment."
        )
        assert hurried.get_story(story.id).draft == ""  # readers are not blocked under WAL
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        hurried.close()


def test_a_bad_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(StoryBankError) as raised:
        StoryBank("not a url, password hunter2")
    assert str(raised.value) == "The story bank URL is not a valid database URL."
    for url in ("nosuchdb://user:hunter2@localhost/bank", "postgresql://u:hunter2@localhost/b"):
        with pytest.raises(
            StoryBankError, match=r"^Cannot open the story bank: no usable"
        ) as raised:
            StoryBank(url)
        assert "hunter2" not in str(raised.value)


def test_no_secret_reaches_the_database(
    tmp_path: Path, result: CoachResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_key = "sk-storycoach-test-7f3a9c1e5b"
    monkeypatch.setenv("OPENAI_API_KEY", fake_key)
    monkeypatch.setenv("STORYCOACH_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == fake_key

    with StoryBank.for_data_dir(tmp_path) as bank:
        story = bank.create_story("Secretless", draft=NOTES)
        bank.set_tags(story.id, ["Ownership"])
        bank.add_version(story.id, notes=NOTES, result=result, answers=ANSWERS)
        files = sorted(tmp_path.glob(BANK_FILENAME + "*"))  # the file, its -wal and -shm
        contents = b"".join(f.read_bytes() for f in files)

    assert NOTES.splitlines()[0].encode() in contents  # the search does see what was saved
    assert fake_key.encode() not in contents
    assert b"7f3a9c1e5b" not in contents
    assert b"127.0.0.1:9" not in contents


def test_a_bank_made_before_header_facts_keeps_its_stories(tmp_path: Path) -> None:
    with _migrated(tmp_path, "0001") as conn:
        conn.exec_driver_sql(
            "INSERT INTO stories (title, tags, target, framework, draft, created_at, "
            "updated_at) VALUES ('Old', '[]', 'L6', 'star', 'notes', "
            "'2026-11-30 10:00:00.000000', '2026-11-30 10:00:00.000000')"
        )
    with StoryBank.for_data_dir(tmp_path) as bank:  # opening it migrates to the head
        old = bank.get_story(bank.list_stories()[0].id)
        assert (old.title, old.draft, old.header) == ("Old", "notes", {})
        bank.set_header(old.id, {"role": "Tech lead", "duration": "  "})
        assert bank.get_story(old.id).header == {"role": "Tech lead"}
        with pytest.raises(StoryBankError, match="Unknown header facts"):
            bank.set_header(old.id, {"salary": "lots"})
    assert _revision(tmp_path) == "0002"


def test_a_bank_at_the_head_opens_without_importing_alembic(tmp_path: Path) -> None:
    with StoryBank.for_data_dir(tmp_path):  # made and migrated here
        pass
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from coach.bank.store import StoryBank\n"
        f"with StoryBank.for_data_dir(Path({str(tmp_path)!r})) as bank:\n"
        "    bank.list_stories()\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120,
        cwd=PROJECT_ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_the_alembic_command_migrates_the_configured_database_url(tmp_path: Path) -> None:
    elsewhere = tmp_path / "team"
    elsewhere.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STORYCOACH_")},
        "STORYCOACH_DATABASE_URL": sqlite_url(elsewhere / BANK_FILENAME).render_as_string(),
        "STORYCOACH_DATA_DIR": str(tmp_path / "data"),
    }
    alembic = Path(sys.executable).parent / "alembic"
    ini = PROJECT_ROOT / "coach" / "bank" / "migrations" / "alembic.ini"
    done = subprocess.run(
        [str(alembic), "-c", str(ini), "upgrade", "head"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _revision(elsewhere) == "0002"  # the URL's database, not the data folder's
    assert not (tmp_path / "data" / BANK_FILENAME).exists()

"""Alembic environment: run the story bank's migrations on a connection or a URL.

`coach.bank.database.upgrade` passes an open connection, already in its write transaction, as
`config.attributes["connection"]`. From the `alembic` command the database comes from
`-x url=...`, else `sqlalchemy.url` in the ini, else the configured bank: `STORYCOACH_DATABASE_URL`,
or the file in the configured data folder.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import URL, Connection

from coach.bank.database import BANK_FILENAME, make_engine, migration_connection, sqlite_url
from coach.bank.schema import Base

config = context.config


def _url() -> str | URL:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if url:
        return url
    from coach.config import get_settings  # only the command line falls back to the settings

    settings = get_settings()  # the bank the app and CLI use: STORYCOACH_DATABASE_URL first
    return settings.database_url or sqlite_url(settings.data_dir / BANK_FILENAME)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters a table by copying it; autogenerate says so
        compare_type=True,
    )
    with context.begin_transaction():  # joins the caller's transaction: nothing commits here
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=Base.metadata,
        render_as_batch=True,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with migration_connection(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()


if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    _run_offline()
else:
    _run_online()

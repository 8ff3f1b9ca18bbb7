"""Alembic migrations of the story bank's schema (applied when a bank opens).

From a shell, with the ini beside this file (the database defaults to the bank in the configured
data folder; `-x url=...` points at another):

    alembic -c coach/bank/migrations/alembic.ini current
    alembic -c coach/bank/migrations/alembic.ini upgrade head
    alembic -c coach/bank/migrations/alembic.ini -x url=sqlite:////tmp/bank.sqlite3 upgrade head
    alembic -c coach/bank/migrations/alembic.ini revision --autogenerate --rev-id 0002 -m "add x"

A new revision compares the bank's mapped tables with a database at head; review what
it writes (SQLite changes run in batch mode), then run the tests.
"""

"""Alembic migrations of the story bank's schema (`coach.bank` applies them when a bank opens).

From a shell, with the ini beside this file (the database defaults to the bank in the configured
data folder; `-x url=...` points at another):

    alembic -c coach/migrations/alembic.ini current
    alembic -c coach/migrations/alembic.ini upgrade head
    alembic -c coach/migrations/alembic.ini -x url=sqlite:////tmp/bank.sqlite3 upgrade head
    alembic -c coach/migrations/alembic.ini revision --autogenerate --rev-id 0002 -m "add x"

A new revision compares the mapped tables in `coach/bank.py` with a database at head; review what
it writes (SQLite changes run in batch mode), then run the tests.
"""

"""Stories keep the header facts the user fills in: duration, role, team size, technologies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the stories' header facts (empty for stories made before)."""
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("header", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    """Drop the header facts."""
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("header")

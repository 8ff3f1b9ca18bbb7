"""The story bank's tables, mapped with SQLAlchemy 2 (the migrations create them; keep the two in
step)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MAX_TITLE_CHARS: Final = 120


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

"""The story bank: stories, their drafts and every coached version, in a database whose schema
Alembic migrations version.

records.py holds what callers get back, schema.py the mapped tables, database.py opening and
migrating the database, principles.py the Leadership Principle tags, store.py the API
(`StoryBank`). May import only the shared records (coach.models, coach.lexicon, coach.errors,
coach.config, coach.private_files).
"""

from coach.bank.principles import LEADERSHIP_PRINCIPLES, canonical_tags
from coach.bank.records import (
    HEADER_FACTS,
    TARGETS,
    Answer,
    CoveredStory,
    PrincipleCoverage,
    StoryDetail,
    StorySummary,
    VersionRecord,
    VersionSummary,
)
from coach.bank.store import StoryBank

__all__ = [
    "HEADER_FACTS",
    "LEADERSHIP_PRINCIPLES",
    "TARGETS",
    "Answer",
    "CoveredStory",
    "PrincipleCoverage",
    "StoryBank",
    "StoryDetail",
    "StorySummary",
    "VersionRecord",
    "VersionSummary",
    "canonical_tags",
]

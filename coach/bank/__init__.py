"""The story bank: stories, their drafts and every coached version, in a database whose schema
Alembic migrations version.

May import only the shared records (coach.models, coach.lexicon, coach.errors, coach.config).
"""

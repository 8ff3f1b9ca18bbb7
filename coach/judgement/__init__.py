"""The offline judgement: segmenting notes into units, finding figures, placing units in STAR+
sections, grading quantification, structure and level, and choosing the questions to ask.

Owns the rubric files' loading and the learned models' inference. Pure: it may import only the
shared records below it (coach.models, coach.lexicon, coach.versioned, coach.errors,
coach.config), never the UI, a database, the network or a model (import-linter enforces it).
"""

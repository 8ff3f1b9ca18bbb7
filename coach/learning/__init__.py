"""Learning from the labelled corpus: reading it, training the shipped models, grouped
cross-validation, the eval report and score calibration.

May import the offline judgement and the shared records; never the model path, the bank or the
surfaces.
"""

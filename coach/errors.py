"""One error family whose messages are fit to show a person."""

from __future__ import annotations


class CoachError(Exception):
    """Base of every error a user can cause or fix; its message is shown as it is.

    `context` holds what a script or a log needs beside the sentence: the file, the step, the
    model, the limits. It never holds the notes or a key.
    """

    exit_code = 2

    def __init__(self, message: str, **context: str | int) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __str__(self) -> str:
        return self.message


class InputError(CoachError):
    """The notes cannot be coached: empty, unreadable or over the size limit."""


def notes_too_long(chars: int, limit: int) -> InputError:
    """The one message for notes over the size limit, wherever they arrive (typed, pasted,
    uploaded, read from a file)."""
    return InputError(
        f"The notes are {chars:,} characters; the limit is {limit:,}. Coach one story at a time."
    )


class RubricError(CoachError):
    """A rubric file is missing or does not match the rubric schema (context: `file`)."""


class PhraseError(CoachError, ValueError):
    """A cue phrase that does not follow the phrase language (a ValueError too, so a rubric's
    validators report it as the field's error)."""


class PromptError(CoachError):
    """A prompt file is missing or does not match the prompt schema (context: `file`)."""


class ConfigError(CoachError):
    """A setting is missing or invalid."""


class BudgetError(CoachError):
    """A run would exceed the configured token budget; nothing was sent (context: `tokens`,
    `budget`)."""


class LlmError(CoachError):
    """The model could not be reached or did not answer usably, after retries (context: `step`,
    `model`)."""


class StoryBankError(CoachError):
    """A story bank request cannot be done: a missing story, a bad title or tag, a busy database."""


def no_model_configured() -> ConfigError:
    """The one message for a model run with no model configured (checked before anything is
    saved or sent, and again where the model is built)."""
    return ConfigError(
        "No model is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server."
    )

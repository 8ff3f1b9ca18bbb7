"""One error family whose messages are fit to show a person."""

from __future__ import annotations


class CoachError(Exception):
    """Base of every error a user can cause or fix; its message is shown as it is."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

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
    """A rubric file is missing or does not match the rubric schema."""


class PromptError(CoachError):
    """A prompt file is missing or does not match the prompt schema."""


class ConfigError(CoachError):
    """A setting is missing or invalid."""


class BudgetError(CoachError):
    """A request would exceed the configured token budget; nothing was sent."""


class LlmError(CoachError):
    """The model could not be reached or did not answer usably, after retries."""

"""One gate every model request passes, so a rate limit slows the whole process down instead of
failing stories.

A 429 is the server telling the process, not one request, to slow down. Without a shared gate the
workers of a batch would each run into their own 429, spend their retries and fall back to the
offline engine one after another. With it, the worker that got the 429 holds the gate for the
server's Retry-After (or its own backoff) and every other worker waits at the gate before its
next request.

The holder times the hold with the sleep it is given (the model caller's, which tests replace);
the others block on a condition until it opens. So no test ever really sleeps, and a hold never
outlives the call that made it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

Sleep = Callable[[float], None]
Clock = Callable[[], float]

# A server asking for more than this is held to it: a batch should crawl, not hang for an hour.
LONGEST_HOLD_SECONDS = 120.0
_RECORDED = 256  # holds and waits kept for tests and logs; a long-lived app must not grow


class RateGate:
    """A gate requests wait at while any worker holds it after a 429."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._opened = threading.Condition()
        self._holders = 0
        self._waiting = 0
        self.holds: deque[float] = deque(maxlen=_RECORDED)  # seconds each hold asked for
        self.waits: deque[float] = deque(maxlen=_RECORDED)  # seconds each held-up request waited

    @property
    def held(self) -> bool:
        """Whether a worker holds the gate now."""
        with self._opened:
            return self._holders > 0

    def waiting(self) -> int:
        """Requests waiting at the gate now."""
        with self._opened:
            return self._waiting

    def wait(self) -> None:
        """Return at once when the gate is open, else when the last hold ends."""
        with self._opened:
            if not self._holders:
                return
            start = self._clock()
            self._waiting += 1
            try:
                self._opened.wait_for(lambda: self._holders == 0)
            finally:
                self._waiting -= 1
            self.waits.append(self._clock() - start)

    def hold(self, seconds: float, sleep: Sleep) -> None:
        """Keep every other request waiting while this worker sleeps `seconds`."""
        seconds = min(max(seconds, 0.0), LONGEST_HOLD_SECONDS)
        with self._opened:
            self._holders += 1
            self.holds.append(seconds)
        try:
            sleep(seconds)
        finally:
            with self._opened:
                self._holders -= 1
                if not self._holders:
                    self._opened.notify_all()


# The process's gate: every model request of every batch worker and app session consults it.
SHARED = RateGate()


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds a 429's headers ask the client to wait, or None when they do not say.

    `Retry-After` is seconds or an HTTP date (RFC 9110); OpenAI also sends `retry-after-ms`,
    which is finer and read first. `headers` should look names up regardless of case, as httpx's
    do.
    """
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; a bare date is read as such
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _number(text: str | None) -> float | None:
    """A header's non-negative finite number, or None ("nan" and "inf" are no waits to honour)."""
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return max(value, 0.0) if math.isfinite(value) else None

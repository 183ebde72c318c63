"""Time that moves only when a test says so, for every seam that takes a clock: the source's
backoff, Retry-After and rate limit (`monotonic`, `sleep`), the webhook's debounce (called),
the preview's poll loop. Tests never sleep for real."""

from __future__ import annotations

import threading


class FakeClock:
    """`sleep` records the wait and moves the time by it, at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()  # the source sleeps from its fetching threads

    def __call__(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

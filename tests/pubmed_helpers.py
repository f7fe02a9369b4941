"""Shared helpers of the PubMed tests: a fake clock and a running stand-in."""

from __future__ import annotations

import threading


class FakeClock:
    """A clock whose sleep advances time instantly and records what was asked."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            if seconds > 0:
                self.now += seconds

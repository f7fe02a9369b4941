"""The one HTTP client of the ingestors: one session, one rate limiter, bounded retries.

Remote services (NCBI E-utilities first) allow a few requests per second per
user, not per thread, so every request of a process goes through one shared
``RateLimiter``. Time comes from an injectable ``Clock`` so tests can check the
limiter and the retry schedule without sleeping for real.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import requests

from kg.errors import KGError

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


class RemoteError(KGError):
    """A remote service failed, or kept failing after the allowed number of tries."""


class Clock:
    """Monotonic time and sleeping; the real one. Tests pass a fake that advances instantly."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class RateLimiter:
    """At most ``rate`` request starts per second across all threads (a minimum-interval schedule).

    Each caller reserves the next free slot under a lock and then sleeps until it,
    so concurrent threads queue up instead of bursting. ``margin`` widens the
    interval a little: NCBI counts arrivals, and network jitter can bring two
    requests closer together than they were sent (Biopython uses 0.37 s for 3/s).
    """

    def __init__(self, rate: float, clock: Clock | None = None, margin: float = 1.1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = margin / rate
        self.clock = clock or Clock()
        self._lock = threading.Lock()
        self._next = float("-inf")

    def acquire(self) -> float:
        """Wait for this caller's slot; return the (clock) time the slot starts."""
        with self._lock:
            now = self.clock.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        self.clock.sleep(slot - now)
        return slot


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


@dataclass
class HttpStats:
    """What a client did, for summaries and benchmarks."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    server_errors: int = 0
    connection_errors: int = 0


class HttpClient:
    """GET/POST against one base URL with rate limiting and retries with backoff and jitter.

    Retries 429, 5xx, connection errors and timeouts up to ``max_tries`` in all,
    waiting ``Retry-After`` when the server gives one, else ``backoff * 2**n``
    with up to 50% random jitter (so many clients do not retry in lockstep).
    ``validate`` may raise ``RetryableError`` for a body that came back broken
    with HTTP 200 (e.g. truncated), which is retried like a 5xx.
    """

    def __init__(
        self,
        base_url: str,
        limiter: RateLimiter,
        *,
        max_tries: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 60.0,
        rng: random.Random | None = None,
        redact: Sequence[str] = (),
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.limiter = limiter
        self.max_tries = max_tries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.redact = tuple(redact)
        self.session = session or requests.Session()
        self.stats = HttpStats()
        self._stats_lock = threading.Lock()

    def _count(self, **changes: int) -> None:
        with self._stats_lock:
            for name, delta in changes.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_backoff)
        base = min(self.backoff * 2**attempt, self.max_backoff)
        return base * (1 + 0.5 * self.rng.random())

    def _scrub(self, text: str) -> str:
        for secret in self.redact:
            if secret:
                text = text.replace(secret, "***")
        return text

    def request(
        self,
        path: str,
        params: Mapping[str, object] | Sequence[tuple[str, object]],
        *,
        post: bool = False,
        validate: Callable[[requests.Response], None] | None = None,
    ) -> requests.Response:
        """Send one logical request (retried as needed) and return the accepted response."""
        url = self.base_url + path
        problem = "no attempt made"
        for attempt in range(self.max_tries):
            self.limiter.acquire()
            self._count(requests=1)
            retry_after: float | None = None
            try:
                if post:
                    response = self.session.post(url, data=params, timeout=self.timeout)
                else:
                    response = self.session.get(url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._count(connection_errors=1)
                problem = f"cannot reach {self.base_url}: {type(exc).__name__}"
            else:
                if response.status_code in RETRY_STATUS:
                    self._count(throttled=int(response.status_code == 429),
                                server_errors=int(response.status_code != 429))
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    problem = f"HTTP {response.status_code} {self._scrub(response.text[:120]).strip()}"
                elif response.status_code >= 400:
                    raise RemoteError(
                        f"{path}: HTTP {response.status_code}: {self._scrub(response.text[:200]).strip()}"
                    )
                else:
                    try:
                        if validate:
                            validate(response)
                        return response
                    except RetryableError as exc:
                        problem = str(exc)
            if attempt + 1 < self.max_tries:
                delay = self._delay(attempt, retry_after)
                self._count(retries=1)
                log.info("%s: %s; retry %d/%d in %.2f s", path, problem, attempt + 1, self.max_tries - 1, delay)
                self.limiter.clock.sleep(delay)
        raise RemoteError(f"{path}: gave up after {self.max_tries} tries: {problem}")


class RetryableError(KGError):
    """A response that is broken in a way a second try may fix (truncated, empty body)."""

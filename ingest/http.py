"""The one HTTP client of the ingestors: one session, one rate limiter, bounded retries.

Remote services (NCBI E-utilities first) allow a few requests per second per
user, not per thread, so every request of a process goes through one shared
``RateLimiter``. Time comes from an injectable ``Clock`` so tests can check the
limiter and the retry schedule without sleeping for real.

Every request is bounded as a whole (``deadline``), not only per socket read: a
server that trickles one byte a second is cut off and retried. Secrets (the API
key) are scrubbed from every message and never follow a redirect to another host.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urljoin, urlsplit, urlunsplit

import requests
import urllib3

from kg.errors import KGError

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_READ_SIZE = 65536
# Errors of the caller's configuration: a second try cannot fix them.
_NOT_RETRIED = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema, requests.exceptions.URLRequired)

Params = Mapping[str, object] | Sequence[tuple[str, object]]


class RemoteError(KGError):
    """A remote service failed, or kept failing after the allowed number of tries."""


class RetryableError(KGError):
    """A response that is broken in a way a second try may fix (truncated, empty body)."""


class DeadlineExceeded(RetryableError):
    """One request took longer than its whole-request deadline (a stalled or trickling server)."""


_WATCHED = threading.local()
"""The connections the current thread's attempt uses, so its deadline watchdog can cut them."""


def _note(conn: object) -> object:
    holder = getattr(_WATCHED, "holder", None)
    if holder is not None:
        holder.append(conn)
    return conn


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    """A pool that tells the deadline watchdog which connection an attempt took."""

    def _get_conn(self, timeout: float | None = None) -> object:
        return _note(super()._get_conn(timeout))


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    """The same for https."""

    def _get_conn(self, timeout: float | None = None) -> object:
        return _note(super()._get_conn(timeout))


class _DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with watched pools: a stalled header or body read can be cut from outside."""

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **kwargs: object) -> None:
        super().init_poolmanager(connections, maxsize, block, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _Watchdog:
    """Shuts the sockets of one attempt down when its deadline passes, wherever the attempt is blocked.

    A per-read timeout never fires for a server that sends a byte now and then,
    whether in the status line, the headers or the body; shutting the socket
    down ends the blocked read at once.
    """

    def __init__(self, seconds: float) -> None:
        self.fired = threading.Event()
        self.connections: list[object] = []
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def _expire(self) -> None:
        self.fired.set()
        for conn in list(self.connections):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        _WATCHED.holder = self.connections
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()
        _WATCHED.holder = None


class Clock:
    """Monotonic time and sleeping; the real one. Tests pass a fake that advances instantly."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` (nothing for zero or less)."""
        if seconds > 0:
            time.sleep(seconds)


class _Mark:
    """The latest moment the server can have counted one request's arrival."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at


class RateLimiter:
    """At most ``rate`` request arrivals per second across all threads, counted as the server counts them.

    Each caller reserves the next free slot under a lock and then sleeps until
    it, so concurrent threads queue up instead of bursting. Two rules make a slot:
    starts are ``margin / rate`` apart, and a slot is at least ``window`` after the
    arrival of the request ``per_window`` places before it. The server counts a
    request when it has received it, which can be well after we started sending
    (a large ``epost`` upload, network jitter), so ``settle`` moves a request's
    arrival to the moment its answer began: the latest it can have arrived. A
    request right after a slow one then waits for the window to clear instead
    of making a fourth arrival within one second.
    """

    def __init__(self, rate: float, clock: Clock | None = None, margin: float = 1.1) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = margin / rate
        self.per_window = max(1, int(rate))
        self.window = margin * self.per_window / rate if rate >= 1 else self.interval
        self.clock = clock or Clock()
        self._lock = threading.Lock()
        self._next = float("-inf")
        self._marks: deque[_Mark] = deque(maxlen=self.per_window)

    def acquire(self) -> _Mark:
        """Wait for this caller's slot; return its mark (its ``at`` is the slot's clock time)."""
        with self._lock:
            now = self.clock.monotonic()
            slot = max(now, self._next)
            if len(self._marks) == self.per_window:
                slot = max(slot, self._marks[0].at + self.window)
            self._next = slot + self.interval
            mark = _Mark(slot)
            self._marks.append(mark)
        self.clock.sleep(slot - now)
        return mark

    def settle(self, mark: _Mark, at: float | None = None) -> None:
        """Record that the request of ``mark`` was answered at ``at`` (default: now), so it arrived by then."""
        with self._lock:
            mark.at = max(mark.at, self.clock.monotonic() if at is None else at)


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
    deadlines: int = 0
    per_path: dict[str, int] = field(default_factory=dict)
    """Requests sent per path without its ``.fcgi`` (``efetch``: 3), retries included."""


RetryListener = Callable[[str, int, int, float, str], None]
"""Called before each retry wait: (path, retry number, retries allowed, delay in s, reason)."""


class HttpClient:
    """GET/POST against one base URL with rate limiting, retries with backoff and jitter, and a deadline.

    Retries 429, 5xx and every transport error (``requests.RequestException``,
    a body shorter than its ``Content-Length``, a deadline passed) up to
    ``max_tries`` in all, waiting ``Retry-After`` when the server gives one, else
    ``backoff * 2**n`` with up to 50% random jitter (so many clients do not retry
    in lockstep). ``validate`` may raise ``RetryableError`` for a body that came
    back broken with HTTP 200 (e.g. truncated), which is retried like a 5xx.
    ``timeout`` bounds each socket read, ``deadline`` one whole attempt.
    Redirects are followed by hand: to another host only without the
    ``secret_params`` (the API key), so the key never leaves the configured host.
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
        deadline: float = 300.0,
        rng: random.Random | None = None,
        redact: Sequence[str] = (),
        secret_params: Sequence[str] = ("api_key",),
        session: requests.Session | None = None,
        on_retry: RetryListener | None = None,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.limiter = limiter
        self.max_tries = max_tries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.deadline = deadline
        self.rng = rng or random.Random()
        secrets = [s for s in redact if s]
        self.redact = tuple(dict.fromkeys([*secrets, *(quote_plus(s) for s in secrets), *(quote(s) for s in secrets)]))
        self.secret_params = frozenset(secret_params)
        self.session = session or requests.Session()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, _DeadlineAdapter())
        self.on_retry = on_retry
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

    def scrub(self, text: str) -> str:
        """``text`` with every secret (raw or URL-encoded) replaced by ``***``."""
        for secret in self.redact:
            text = text.replace(secret, "***")
        return text

    def _read_body(self, response: requests.Response, started: float) -> bytes:
        """Read a streamed body a piece at a time, giving up when the attempt's deadline passes."""
        parts: list[bytes] = []
        while True:
            if time.monotonic() - started > self.deadline:
                raise DeadlineExceeded(f"no complete answer within the {self.deadline:g} s deadline")
            piece = response.raw.read1(_READ_SIZE, decode_content=True)
            if not piece:
                return b"".join(parts)
            parts.append(piece)

    def _send(self, url: str, params: Params, post: bool) -> requests.Response:
        """One attempt within the deadline, cut by the watchdog wherever it stalls."""
        with _Watchdog(self.deadline) as watchdog:
            try:
                return self._attempt(url, params, post)
            except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
                    OSError):
                if watchdog.fired.is_set():
                    raise DeadlineExceeded(f"no complete answer within the {self.deadline:g} s deadline") from None
                raise

    def _attempt(self, url: str, params: Params, post: bool) -> requests.Response:
        """Send, following same-host redirects; read the body piece by piece, checking the deadline."""
        started = time.monotonic()
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        home = urlsplit(self.base_url).hostname
        for _hop in range(MAX_REDIRECTS + 1):
            remaining = self.deadline - (time.monotonic() - started)
            if remaining <= 0:
                raise DeadlineExceeded(f"no complete answer within the {self.deadline:g} s deadline")
            timeout = (min(self.timeout, remaining), min(self.timeout, remaining))
            if post:
                response = self.session.post(url, data=pairs, timeout=timeout, stream=True, allow_redirects=False)
            else:
                response = self.session.get(url, params=pairs, timeout=timeout, stream=True, allow_redirects=False)
            try:
                if response.status_code in REDIRECT_STATUS and response.headers.get("Location"):
                    target = urljoin(url, response.headers["Location"])
                    if urlsplit(target).hostname != home:
                        pairs = [(k, v) for k, v in pairs if k not in self.secret_params]
                        split = urlsplit(target)
                        query = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True)
                                 if k not in self.secret_params]
                        target = urlunsplit(split._replace(query=urlencode(query)))
                        log.info("redirected to another host (%s): followed without the API key", split.hostname)
                    url = target
                    continue
                response._content = self._read_body(response, started)
            finally:
                response.close()
            return response
        raise RemoteError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def request(
        self,
        path: str,
        params: Params,
        *,
        post: bool = False,
        validate: Callable[[requests.Response], None] | None = None,
    ) -> requests.Response:
        """Send one logical request (retried as needed) and return the accepted response."""
        url = self.base_url + path
        problem = "no attempt made"
        for attempt in range(self.max_tries):
            mark = self.limiter.acquire()
            self._count(requests=1)
            with self._stats_lock:
                name = path.removesuffix(".fcgi")
                self.stats.per_path[name] = self.stats.per_path.get(name, 0) + 1
            retry_after: float | None = None
            try:
                response = self._send(url, params, post)
            except _NOT_RETRIED as exc:
                raise RemoteError(self.scrub(f"{path}: cannot send a request to {self.base_url}: "
                                             f"{type(exc).__name__}")) from None
            except DeadlineExceeded as exc:
                self._count(deadlines=1)
                problem = str(exc)
            except (requests.RequestException, urllib3.exceptions.HTTPError, http.client.HTTPException,
                    OSError) as exc:
                self._count(connection_errors=1)
                problem = f"cannot reach {self.base_url} or the answer broke off: {type(exc).__name__}"
            else:
                if response.status_code in RETRY_STATUS:
                    self._count(throttled=int(response.status_code == 429),
                                server_errors=int(response.status_code != 429))
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    problem = f"HTTP {response.status_code} {response.text[:120].strip()}"
                elif response.status_code >= 400:
                    raise RemoteError(self.scrub(
                        f"{path}: HTTP {response.status_code}: {response.text[:200].strip()}"))
                else:
                    try:
                        if validate:
                            validate(response)
                        return response
                    except RetryableError as exc:
                        problem = str(exc)
                    except KGError as exc:
                        raise type(exc)(self.scrub(str(exc))) from None
            finally:
                self.limiter.settle(mark)
            problem = self.scrub(" ".join(problem.split()))
            if attempt + 1 < self.max_tries:
                delay = self._delay(attempt, retry_after)
                self._count(retries=1)
                log.info("%s: %s; retry %d/%d in %.2f s", path, problem, attempt + 1, self.max_tries - 1, delay)
                if self.on_retry:
                    self.on_retry(path, attempt + 1, self.max_tries - 1, delay, problem)
                self.limiter.clock.sleep(delay)
        raise RemoteError(f"{path}: gave up after {self.max_tries} tries: {problem}")

"""The NCBI E-utilities client: NCBI's usage rules in one place.

Every request carries ``tool`` and ``email`` (and ``api_key`` when the user has
one), goes through one rate limiter shared by all threads (3 requests/s
without a key, 10 with one), is sent as POST when it lists many ids, and is
checked for the errors E-utilities report with HTTP 200: ``<ERROR>`` elements,
JSON ``error`` keys, empty or truncated bodies. Settings are passed in
explicitly; nothing is module-level state (unlike ``Bio.Entrez.email``).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence

import requests

from ingest.http import Clock, HttpClient, RateLimiter, RemoteError, RetryableError, RetryListener

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
BASE_URL_ENV = "KG_EUTILS_URL"
API_KEY_ENV = "NCBI_API_KEY"
EMAIL_ENV = "NCBI_EMAIL"
POST_ABOVE = 200
"""NCBI asks for POST when a request names more than about 200 ids."""

_ROOT = re.compile(rb"<([A-Za-z][\w.:-]*)")
_ERROR = re.compile(rb"<ERROR>(.*?)</ERROR>", re.DOTALL)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)


class EutilsError(RemoteError):
    """E-utilities answered, but with an error (often with HTTP 200)."""


def _root_name(body: bytes) -> bytes | None:
    """Name of the first element (the XML declaration, DOCTYPE and comments start with ``<?``/``<!``)."""
    match = _ROOT.search(_COMMENT.sub(b"", body))
    return match.group(1) if match else None


def check_xml_body(utility: str, body: bytes) -> None:
    """Raise for an empty, truncated or ``<ERROR>`` XML answer (which NCBI sends with HTTP 200)."""
    text = body.strip()
    if not text:
        raise RetryableError(f"{utility}: empty answer")
    root = _root_name(text[:4096])
    if root is None:
        raise EutilsError(f"{utility}: answer is not XML: {text[:80].decode('utf-8', 'replace')!r}")
    tail = text[text.find(b"<" + root) :]
    self_closed = tail.endswith(b"/>") and tail.count(b"<") == 1
    if not (text.endswith(b"</" + root + b">") or self_closed):
        raise RetryableError(f"{utility}: answer truncated ({len(body)} bytes, no closing </{root.decode()}>)")
    errors = _ERROR.findall(text)
    if errors:
        message = "; ".join(e.decode("utf-8", "replace").strip() for e in errors)
        raise EutilsError(f"{utility}: NCBI reported an error: {message}")


def check_json_body(utility: str, body: bytes) -> dict:
    """Parse a JSON answer, raising for an empty/truncated body or an ``error``/``ERROR`` key."""
    if not body.strip():
        raise RetryableError(f"{utility}: empty answer")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise RetryableError(f"{utility}: answer is not complete JSON ({exc})") from None
    if not isinstance(data, dict):
        raise EutilsError(f"{utility}: unexpected JSON answer")
    for holder in (data, *(v for v in data.values() if isinstance(v, dict))):
        for key in ("error", "ERROR"):
            if holder.get(key):
                raise EutilsError(f"{utility}: NCBI reported an error: {holder[key]}")
    return data


class EutilsClient:
    """One E-utilities session: base URL, identity, shared rate limiter, retries.

    ``base_url`` defaults to ``$KG_EUTILS_URL``, else NCBI; ``email`` to
    ``$NCBI_EMAIL``; ``api_key`` to ``$NCBI_API_KEY`` (it raises the rate to
    10/s, is never written to logs or error messages and never sent to another
    host). ``timeout`` bounds each socket read, ``deadline`` each whole request;
    ``on_retry`` hears about every retry as it happens (for progress displays).
    """

    def __init__(
        self,
        base_url: str | None = None,
        email: str | None = None,
        api_key: str | None = None,
        tool: str = "cohort-kg",
        clock: Clock | None = None,
        *,
        max_tries: int = 5,
        backoff: float = 0.5,
        timeout: float = 60.0,
        deadline: float = 300.0,
        rate: float | None = None,
        on_retry: RetryListener | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self.email = email if email is not None else os.environ.get(EMAIL_ENV, "")
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or None
        self.tool = tool
        self.rate = rate or (10.0 if self.api_key else 3.0)
        self.limiter = RateLimiter(self.rate, clock)
        self.http = HttpClient(
            self.base_url, self.limiter, max_tries=max_tries, backoff=backoff, timeout=timeout,
            deadline=deadline, redact=[self.api_key] if self.api_key else [], session=requests.Session(),
            on_retry=on_retry,
        )
        if not self.email:
            log.warning("no e-mail for NCBI (set %s): NCBI may block anonymous heavy users", EMAIL_ENV)

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.http.stats.requests

    def _params(self, params: dict[str, object], ids: Sequence[str], repeat_ids: bool) -> list[tuple[str, object]]:
        pairs: list[tuple[str, object]] = [(k, v) for k, v in params.items() if v is not None]
        if ids:
            if repeat_ids:  # elink: one LinkSet per id only when each id is its own parameter
                pairs += [("id", i) for i in ids]
            else:
                pairs.append(("id", ",".join(ids)))
        pairs += [("tool", self.tool), ("email", self.email)]
        if self.api_key:
            pairs.append(("api_key", self.api_key))
        return pairs

    def call(
        self,
        utility: str,
        params: dict[str, object],
        ids: Sequence[str] = (),
        *,
        repeat_ids: bool = False,
        json_answer: bool = False,
    ) -> bytes:
        """Call ``<utility>.fcgi`` and return the checked body; POST when there are many ids."""
        pairs = self._params(params, ids, repeat_ids)
        # With a key, POST keeps it out of URLs, which HTTP libraries log at debug level.
        post = len(ids) > POST_ABOVE or self.api_key is not None

        def validate(response: requests.Response) -> None:
            if json_answer:
                check_json_body(utility, response.content)
            else:
                check_xml_body(utility, response.content)

        response = self.http.request(f"{utility}.fcgi", pairs, post=post, validate=validate)
        return response.content

    def call_json(self, utility: str, params: dict[str, object], ids: Sequence[str] = ()) -> dict:
        """Call a utility with ``retmode=json`` and return the decoded, checked answer."""
        body = self.call(utility, {**params, "retmode": "json"}, ids, json_answer=True)
        return check_json_body(utility, body)

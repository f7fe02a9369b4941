"""The E-utilities client against the loopback stand-in: rate limit, retries, HTTP-200 errors, NCBI rules."""

from __future__ import annotations

import itertools
import logging
import threading
import time

import pytest
import requests
from eutils_server import EutilsStandIn, RunningStandIn, max_in_any_second
from pubmed_helpers import FakeClock

from ingest.http import RateLimiter, RemoteError, retry_after_seconds
from ingest.pubmed import api
from ingest.pubmed.client import EutilsClient, EutilsError
from ingest.pubmed.parser import parse_pubmed_xml

SEED = ["40075627", "39995843", "39800374", "39692275", "39386214"]


@pytest.fixture
def standin():
    with RunningStandIn(EutilsStandIn().load_fixtures()) as running:
        yield running


@pytest.fixture
def relaxed():
    """A stand-in that does not throttle, for retry tests run on a fake clock."""
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as running:
        yield running


def fast_client(url: str, clock: FakeClock, **kwargs) -> EutilsClient:
    return EutilsClient(base_url=url, email="tests@example.org", clock=clock, **kwargs)


def test_limiter_spaces_slots_across_threads_on_a_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock)
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            slot = limiter.acquire().at
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    slots.sort()
    assert len(slots) == 30
    assert min(b - a for a, b in itertools.pairwise(slots)) >= limiter.interval - 1e-9
    assert max_in_any_second(slots) <= 3


def test_real_threads_never_exceed_ncbi_limit(standin: RunningStandIn):
    """Six threads share one client; the stand-in (3/s without key) must never answer 429."""
    client = EutilsClient(base_url=standin.url, email="tests@example.org")
    errors: list[Exception] = []

    def worker() -> None:
        try:
            for _ in range(1):
                api.esearch(client, '"improving cd3 bispecific antibody therapy"[ti]')
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(standin.state.seen) == 7
    assert standin.state.throttled == 0
    assert max_in_any_second(s.at for s in standin.state.seen) <= 3


def test_a_client_without_limiter_gets_ncbi_429(standin: RunningStandIn):
    """The stand-in behaves like NCBI: a burst above 3/s is answered 429 with NCBI's JSON body."""
    session = requests.Session()
    answers = [session.get(standin.url + "einfo.fcgi", params={"tool": "t", "email": "e"}) for _ in range(6)]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled
    assert throttled[0].json()["error"] == "API rate limit exceeded"
    assert throttled[0].json()["limit"] == "3"


@pytest.mark.parametrize("fault", ["500", "429-retry-after", "truncate", "empty", "drop", ("slow", 0.05)])
def test_retries_recover_with_nothing_lost(relaxed: RunningStandIn, fault):
    clock = FakeClock()
    client = fast_client(relaxed.url, clock)
    relaxed.state.faults.extend([fault, fault])
    (body,) = list(api.efetch(client, SEED))
    assert sorted(r.publication.pmid for r in parse_pubmed_xml(body)) == sorted(SEED)
    expected_tries = 1 if isinstance(fault, tuple) else 3
    assert client.requests == expected_tries
    if not isinstance(fault, tuple):
        assert client.http.stats.retries == 2
        waits = [s for s in clock.sleeps if s > 0]
        if fault != "429-retry-after":  # exponential backoff with jitter: 0.5-0.75 s, then 1-1.5 s
            assert len(waits) == 2 and 0.5 <= waits[0] <= 0.75 and 1.0 <= waits[1] <= 1.5, clock.sleeps
        else:  # "Retry-After: 0" is honoured instead of the backoff; only the limiter's spacing remains
            assert all(w <= client.limiter.interval + 1e-9 for w in waits), clock.sleeps


def test_gives_up_after_bounded_tries_with_one_line_message(relaxed: RunningStandIn):
    clock = FakeClock()
    client = fast_client(relaxed.url, clock, max_tries=3)
    relaxed.state.faults.extend(["500"] * 5)
    with pytest.raises(RemoteError) as error:
        list(api.efetch(client, SEED))
    assert "gave up after 3 tries" in str(error.value) and "HTTP 500" in str(error.value)
    assert "\n" not in str(error.value)
    assert client.requests == 3


def test_unreachable_server_is_a_clear_error():
    with socket_closed_port() as url:
        client = fast_client(url, FakeClock(), max_tries=2)
        with pytest.raises(RemoteError, match="cannot reach"):
            api.esearch(client, "anything")


class socket_closed_port:
    def __enter__(self) -> str:
        import socket

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        return f"http://127.0.0.1:{port}/"

    def __exit__(self, *exc: object) -> None:
        pass


def test_error_element_with_http_200_is_reported(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock())
    relaxed.state.faults.append("error")
    with pytest.raises(EutilsError, match="NCBI reported an error: Search Backend failed"):
        list(api.efetch(client, SEED))
    assert client.requests == 1  # an error NCBI states is not retried blindly


def test_json_error_and_empty_search(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock())
    found = api.esearch(client, '"no such title anywhere"[ti]')
    assert found.count == 0 and found.ids == ()
    assert any("phrasesnotfound" in note for note in found.notes)
    from ingest.pubmed.client import check_json_body

    with pytest.raises(EutilsError, match="Invalid query"):
        check_json_body("esearch", b'{"esearchresult": {"ERROR": "Invalid query"}}')


def test_tool_email_and_api_key_on_every_request_key_never_logged(relaxed: RunningStandIn, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "sekr3t-key-0123456789"
    client = fast_client(relaxed.url, FakeClock(), api_key=secret, max_tries=2)
    assert client.rate == 10.0
    api.esearch(client, "blinatumomab")
    relaxed.state.faults.extend(["500", "500"])
    with pytest.raises(RemoteError) as error:
        api.esearch(client, "blinatumomab")
    for seen in relaxed.state.seen:
        params = dict(seen.params)
        assert params["tool"] == "cohort-kg" and params["email"] == "tests@example.org"
        assert params["api_key"] == secret
    assert secret not in caplog.text and secret not in str(error.value)


def test_many_ids_are_posted_and_large_sets_use_the_history_server(relaxed: RunningStandIn):
    state = relaxed.state
    state.generate = lambda pmid: state.records["90000002"].replace(b"90000002", pmid.encode())
    client = fast_client(relaxed.url, FakeClock())
    pmids = [str(50_000_000 + i) for i in range(450)]
    bodies = list(api.efetch(client, pmids))
    assert len(bodies) == 3  # pages of 200
    assert sum(len(parse_pubmed_xml(b)) for b in bodies) == 450
    epost = state.requests_to("epost.fcgi")
    assert len(epost) == 1 and epost[0].method == "POST"
    links = list(api.elink(client, pmids[:201], api.CITED_IN, batch=250))
    assert state.requests_to("elink.fcgi")[-1].method == "POST" and len(links[0]) == 201


def test_elink_one_linkset_per_id(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock())
    (links,) = list(api.elink(client, ["90000001", "40075627"], api.CITED_IN))
    assert links["90000001"] == tuple(SEED) and links["40075627"] == ()
    (refs,) = list(api.elink(client, ["90000001", "40075627"], api.REFS))
    assert refs == {"90000001": ("90000002",), "40075627": ("90000001",)}
    ids = [v for k, v in relaxed.state.seen[-1].params if k == "id"]
    assert ids == ["90000001", "40075627"]  # repeated id= parameters, not one comma list


def test_esummary(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock())
    summaries = api.esummary(client, ["39386214"])
    assert summaries["39386214"]["title"].startswith("Case report")


def test_retry_after_parsing():
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("nonsense") is None
    assert 0 <= retry_after_seconds(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())) <= 1


def test_slow_answer_beyond_timeout_is_retried(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock(), timeout=0.2)
    relaxed.state.faults.append(("slow", 0.6))
    found = api.esearch(client, "10.3389/fimmu.2024.1423487[doi]")
    assert found.ids == ("39386214",)
    assert client.http.stats.connection_errors == 1 and client.requests == 2


RECORDED_ERRORS = {
    "biopython/biopython__epost2.xml": "Invalid db name specified: nothing",
    "biopython/biopython__epost3.xml": "Empty ID list; Nothing to store",
    "biopython/biopython__esummary8.xml": "Neither query_key nor id specified",
}


@pytest.mark.parametrize("name", sorted(RECORDED_ERRORS))
def test_recorded_error_bodies_are_reported(name: str):
    from conftest import EUTILS_FIXTURES, require_shared

    from ingest.pubmed.client import check_xml_body

    path = EUTILS_FIXTURES / name
    require_shared(path)
    with pytest.raises(EutilsError, match=RECORDED_ERRORS[name]):
        check_xml_body("epost", path.read_bytes())


def test_recorded_truncated_body_and_documented_429_body():
    from conftest import EUTILS_FIXTURES, require_shared

    from ingest.http import RetryableError
    from ingest.pubmed.client import check_json_body, check_xml_body

    truncated = EUTILS_FIXTURES / "biopython" / "biopython__einfo4.xml"
    documented = EUTILS_FIXTURES / "documented" / "NCBI_NBK25497__rate_limit_error_documented_example.json"
    require_shared(truncated, documented)
    with pytest.raises(RetryableError, match="truncated"):
        check_xml_body("einfo", truncated.read_bytes())
    with pytest.raises(EutilsError, match="API rate limit exceeded"):
        check_json_body("esearch", documented.read_bytes())
    for path in sorted((EUTILS_FIXTURES / "biopython").glob("biopython__e*.xml")):
        if path.name not in ("biopython__einfo4.xml", "biopython__efetch_pmc.xml") and path.name not in {
            n.split("/")[1] for n in RECORDED_ERRORS
        }:
            check_xml_body("recorded", path.read_bytes())  # good answers pass the checks


# ---- transport faults, deadline, secrets, rate margin (each against the stand-in) ----------------------------


def test_body_shorter_than_content_length_is_retried(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock())
    relaxed.state.faults.append("short")
    (body,) = list(api.efetch(client, SEED))
    assert sorted(r.publication.pmid for r in parse_pubmed_xml(body)) == sorted(SEED)
    assert client.http.stats.connection_errors == 1 and client.requests == 2


def test_short_body_on_every_try_is_one_line_error(relaxed: RunningStandIn):
    client = fast_client(relaxed.url, FakeClock(), max_tries=2)
    relaxed.state.faults.extend(["short", "short"])
    with pytest.raises(RemoteError, match=r"gave up after 2 tries: .*broke off") as error:
        list(api.efetch(client, SEED))
    assert "\n" not in str(error.value)


def test_trickling_server_is_cut_off_by_the_whole_request_deadline(relaxed: RunningStandIn):
    """One byte every 50 ms never trips a per-read timeout; the deadline ends the attempt and it is retried."""
    seen: list[str] = []
    client = fast_client(relaxed.url, FakeClock(), timeout=5.0, deadline=0.6,
                         on_retry=lambda path, n, of, delay, reason: seen.append(reason))
    relaxed.state.faults.append(("trickle", 0.05))
    started = time.monotonic()
    (body,) = list(api.efetch(client, SEED))
    elapsed = time.monotonic() - started
    assert len(parse_pubmed_xml(body)) == len(SEED)
    assert client.http.stats.deadlines == 1 and client.requests == 2
    assert elapsed < 3.0, elapsed  # the trickled body alone would take minutes
    assert seen and "deadline" in seen[0]


def test_api_key_not_sent_to_another_host_on_redirect(relaxed: RunningStandIn):
    secret = "sekr3t-key-redirect"
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as other:
        elsewhere = other.url.replace("127.0.0.1", "localhost") + "esearch.fcgi"
        client = fast_client(relaxed.url, FakeClock(), api_key=secret)
        relaxed.state.faults.append(("redirect", elsewhere))
        found = api.esearch(client, "10.3389/fimmu.2024.1423487[doi]")
        assert found.ids == ("39386214",)
        assert len(other.state.seen) == 1
        assert all(k != "api_key" and secret not in v for k, v in other.state.seen[0].params)
    assert dict(relaxed.state.seen[0].params)["api_key"] == secret


def test_same_host_redirect_keeps_the_key(relaxed: RunningStandIn):
    secret = "sekr3t-key-same-host"
    client = fast_client(relaxed.url, FakeClock(), api_key=secret)
    relaxed.state.faults.append(("redirect", relaxed.url + "esearch.fcgi"))
    assert api.esearch(client, "10.3389/fimmu.2024.1423487[doi]").ids == ("39386214",)
    assert [dict(s.params).get("api_key") for s in relaxed.state.seen] == [secret, secret]


def test_ncbi_error_echoing_the_request_does_not_print_the_key(relaxed: RunningStandIn, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "sekr3t/key+with=odd&chars"
    client = fast_client(relaxed.url, FakeClock(), api_key=secret)
    relaxed.state.faults.append("echo")
    with pytest.raises(EutilsError, match="Invalid request") as error:
        list(api.elink(client, ["90000001"], api.CITED_IN))
    assert secret not in str(error.value) and "***" in str(error.value)
    assert secret not in caplog.text


def test_429_body_echoing_the_key_is_scrubbed_in_retry_messages(standin: RunningStandIn):
    secret = "sekr3t-key-429"
    reasons: list[str] = []
    client = fast_client(standin.url, FakeClock(), api_key=secret,
                         on_retry=lambda path, n, of, delay, reason: reasons.append(reason))
    standin.state.faults.append("429-retry-after")
    api.esearch(client, "10.3389/fimmu.2024.1423487[doi]")
    assert reasons and "429" in reasons[0] and secret not in reasons[0]


def test_limiter_counts_a_late_arrival_from_when_it_was_answered():
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock)
    first = limiter.acquire()
    slot = first.at
    limiter.acquire()
    limiter.acquire()
    limiter.settle(first, slot + 0.9)  # the first request reached the server only 0.9 s after its slot
    fourth = limiter.acquire()
    assert fourth.at >= slot + 0.9 + limiter.window - 1e-9
    assert slot + 3 * limiter.interval < slot + 0.9 + limiter.window  # start spacing alone would go earlier


def test_no_429_after_a_slow_upload(standin: RunningStandIn):
    """The first request is counted 0.45 s late (like a large epost); start spacing alone would allow four
    arrivals within one second. Real clock, NCBI's 3/s at the stand-in."""
    client = EutilsClient(base_url=standin.url, email="tests@example.org")
    standin.state.faults.append(("late", 0.45))
    for _ in range(5):
        api.esearch(client, "10.3389/fimmu.2024.1423487[doi]")
    assert standin.state.throttled == 0
    assert max_in_any_second(s.at for s in standin.state.seen) <= 3


def test_trickled_status_line_and_headers_are_cut_by_the_deadline(relaxed: RunningStandIn):
    """A byte every 50 ms of the status line and headers: no read times out; the watchdog cuts the attempt."""
    client = fast_client(relaxed.url, FakeClock(), timeout=5.0, deadline=0.5)
    relaxed.state.faults.append(("trickle-head", 0.05))
    started = time.monotonic()
    found = api.esearch(client, "10.3389/fimmu.2024.1423487[doi]")
    assert found.ids == ("39386214",)
    assert time.monotonic() - started < 3.0
    assert client.http.stats.deadlines == 1 and client.requests == 2

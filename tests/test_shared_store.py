"""One store, many processes: the owner channel, its clients, waiting for a busy store, takeover after a crash.

Real processes and real loopback sockets throughout: an owner is ``kg serve`` (or an in-process
``open_store(own=True)``), its clients are ``kg`` commands run as a user runs them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_kg
from rdflib import BNode, Literal, URIRef

from kg import namespaces as ns
from kg.errors import InputError, StoreError
from kg.store import FORMATS, open_store
from kg.store.client import OwnerClient
from kg.store.locate import ReadOnlyStore
from kg.store.owner import DISCOVERY_FILE, OwnedStore, OwnerInfo, find_owner, read_discovery, write_discovery

NEW_PMID = "99990001"
NEW_TITLE = "A made-up cohort study written through the owner"
FINDINGS_HEADER = ("source_pmid,source_doi,source_title,cohort,cohort_size,therapy,disease,subject,subject_text,"
                   "relation,object,object_text,direction,subgroup,count,denominator,percentage,p_value,"
                   "effect_measure,effect_size,ci_low,ci_high,evidence,note")
G = "https://w3id.org/cohort-kg/graph/test/owner"


def findings_table(folder: Path, pmid: str = NEW_PMID, title: str = NEW_TITLE) -> Path:
    """A one-row findings table for a publication the seed does not have."""
    path = folder / f"findings-{pmid}.csv"
    path.write_text(f"{FINDINGS_HEADER}\n{pmid},,{title},test cohort,40,blinatumomab,relapsed-refractory-all,,,"
                    "rate,complete-remission,complete remission,unspecified,all patients,,40,20,,,,,,,test row\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def seed_store(tmp_path: Path) -> Path:
    """The bundled seed graph in an on-disk store nobody holds."""
    from ingest.build import SEED_DIR, build

    store = tmp_path / "store"
    build(str(store), SEED_DIR, [])
    return store


@pytest.fixture
def owned(seed_store: Path) -> Iterator[OwnedStore]:
    """This test process as the store's owner."""
    store = open_store(str(seed_store), own=True)
    assert isinstance(store, OwnedStore)
    try:
        yield store
    finally:
        store.close()


# -- the channel, in process ------------------------------------------------------------------


def test_the_owner_publishes_a_private_discovery_file_and_removes_it_on_close(seed_store: Path):
    store = open_store(str(seed_store), own=True)
    path = seed_store / DISCOVERY_FILE
    try:
        assert path.stat().st_mode & 0o777 == 0o600
        info = read_discovery(seed_store)
        assert info is not None and info.pid == os.getpid() and info.store == str(seed_store.resolve())
        assert find_owner(seed_store) == info
    finally:
        store.close()
    assert not path.exists()
    assert find_owner(seed_store) is None


def test_the_channel_refuses_requests_without_the_token(owned: OwnedStore):
    info = read_discovery(Path(owned.location))
    assert info is not None
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": info.token}):
        connection = HTTPConnection("127.0.0.1", info.port, timeout=5)
        connection.request("POST", "/drop", body=json.dumps({"graphs": [G]}), headers=headers)
        assert connection.getresponse().status == 401
        connection.close()
    connection = HTTPConnection("127.0.0.1", info.port, timeout=5)
    connection.request("GET", "/ping", headers={"Authorization": f"Bearer {info.token}"})
    assert connection.getresponse().status == 200
    connection.close()


def test_the_token_never_reaches_the_log(owned: OwnedStore, caplog: pytest.LogCaptureFixture):
    info = read_discovery(Path(owned.location))
    assert info is not None
    with caplog.at_level("DEBUG"):
        client = open_store(owned.location)
        client.query("ASK { ?s ?p ?o }")
        client.drop_graphs([G])
        with pytest.raises(InputError):
            client.query("SELECT ?x WHERE { ?x ?y }")
    assert "owner channel" in caplog.text  # the requests were logged
    assert info.token not in caplog.text


def test_a_client_gets_the_same_answers_and_errors_as_a_direct_open(owned: OwnedStore, tmp_path: Path):
    client = open_store(owned.location)
    assert isinstance(client, OwnerClient)
    s = URIRef("https://example.org/s")
    triples = [
        (s, URIRef("https://example.org/double"), Literal("30000", datatype=ns.XSD.double)),
        (s, URIRef("https://example.org/label"), Literal("étude", lang="fr")),
        (s, URIRef("https://example.org/plain"), Literal("x\ny \"quoted\"")),
        (s, URIRef("https://example.org/blank"), BNode("b1")),
    ]
    client.replace_graphs({G: triples})
    text = f"SELECT ?p ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }} ORDER BY ?p"
    through, direct = client.query(text), owned.query(text)
    assert through.variables == direct.variables
    assert [[t.n3() for t in row[:1]] for row in through.rows] == [[t.n3() for t in row[:1]] for row in direct.rows]
    literals = [row[1] for row in through.rows if isinstance(row[1], Literal)]
    assert str(literals[0]) == "30000" and literals[0].datatype == ns.XSD.double  # the lexical form is kept
    assert {(str(t), t.language) for t in literals} >= {("étude", "fr"), ("x\ny \"quoted\"", None)}
    assert client.query("ASK { ?s ?p ?o }").boolean is True
    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"
    assert {(s_, p_, str(o)) for s_, p_, o in client.query(construct).triples or []} == \
        {(s_, p_, str(o)) for s_, p_, o in owned.query(construct).triples or []} != set()
    assert client.query(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}", max_rows=2).truncated
    assert client.query("SELECT ?o WHERE { ?s ?p ?o }", {"s": s}).rows  # bindings are applied

    with pytest.raises(InputError) as through_error:
        client.query("SELECT ?x WHERE { ?x ?y }")
    with pytest.raises(InputError) as direct_error:
        owned.query("SELECT ?x WHERE { ?x ?y }")
    assert str(through_error.value) == str(direct_error.value)

    before = owned.quad_count()
    assert client.quad_count() == before
    nt = tmp_path / "extra.nt"
    nt.write_text("<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n", encoding="utf-8")
    assert client.load_file(nt, FORMATS["nt"], f"{G}/file") == 1
    client.drop_graphs([G])
    assert owned.quad_count() == before + 1 - len(triples)
    out = io.BytesIO()
    client.dump(out, FORMATS["nquads"])
    assert out.getvalue().count(b"\n") == owned.quad_count()
    with pytest.raises(InputError):
        bad = tmp_path / "bad.nt"
        bad.write_text("<a> <b> .\n", encoding="utf-8")
        client.load_file(bad, FORMATS["nt"], f"{G}/bad")


def test_a_file_the_owner_cannot_read_is_sent_to_it(owned: OwnedStore, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch):
    """The owner runs as another user than the client: it says it cannot read the path, the client sends the bytes.

    The tests run as root, who can read everything, so the owner's permission check is made to say no.
    """
    monkeypatch.setattr("kg.store.owner.os.access", lambda path, mode: False)
    nt = tmp_path / "private.nt"
    nt.write_text("".join(f"<https://example.org/p{n}> <https://example.org/q> \"{n}\" .\n" for n in range(500)),
                  encoding="utf-8")
    client = open_store(owned.location)
    assert client.load_file(nt, FORMATS["nt"], f"{G}/private") == 500
    assert owned.query(f"ASK {{ GRAPH <{G}/private> {{ <https://example.org/p499> ?p \"499\" }} }}").boolean
    assert not list(Path(owned.location).glob(".kg-load.*"))  # the spooled copy is gone


def test_a_stale_discovery_file_is_ignored_then_replaced(seed_store: Path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    write_discovery(seed_store, OwnerInfo(dead.pid, 9, "stale-token", "0", 0.0, str(seed_store.resolve())))
    assert find_owner(seed_store) is None
    reader = open_store(str(seed_store), read_only=True)
    assert isinstance(reader, ReadOnlyStore) and reader.quad_count() > 0
    reader.close()
    owner = open_store(str(seed_store), own=True)
    try:
        info = read_discovery(seed_store)
        assert info is not None and info.pid == os.getpid() and info.token != "stale-token"
    finally:
        owner.close()


# -- read paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["stats"], ["query", "citing-publications"], ["export"], ["validate"]])
def test_read_commands_refuse_a_path_that_is_not_a_store_and_create_nothing(tmp_path: Path, command: list[str]):
    empty = tmp_path / "empty"
    empty.mkdir()
    for where in (tmp_path / "typo", empty):
        result = run_kg(*command, store=where)
        assert result.returncode == 1
        assert result.stderr == f"kg: error: not a cohort-kg store: {where}\n"
    assert not (tmp_path / "typo").exists() and not any(empty.iterdir())


def test_the_explorer_on_a_path_that_is_not_a_store_says_so_in_one_line(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("KG_STORE", str(tmp_path / "typo"))
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [f"cannot open the store: not a cohort-kg store: {tmp_path / 'typo'}"]
    assert not (tmp_path / "typo").exists()


def test_readers_share_the_store_and_keep_writers_waiting(seed_store: Path, tmp_path: Path):
    reader = open_store(str(seed_store), read_only=True)
    try:
        stats = run_kg("stats", store=seed_store)
        assert stats.returncode == 0, stats.stderr
        write = run_kg("ingest", "findings", findings_table(tmp_path), store=seed_store, env={"KG_STORE_WAIT": "0.5"})
        assert write.returncode == 1
        assert write.stderr.startswith(f"kg: error: {seed_store} is busy: ") and write.stderr.count("\n") == 1
    finally:
        reader.close()


def test_a_wait_that_is_no_number_is_one_line(seed_store: Path):
    result = run_kg("stats", store=seed_store, env={"KG_STORE_WAIT": "soon"})
    assert result.returncode == 1
    assert result.stderr == "kg: error: KG_STORE_WAIT must be a number of seconds, got 'soon'\n"


@pytest.mark.slow
def test_a_second_writer_waits_says_so_and_then_writes(seed_store: Path, tmp_path: Path):
    """The holder keeps the store until the waiting writer has said it waits, then lets go."""
    holder = subprocess.Popen([sys.executable, "-c", "import sys; from pathlib import Path; "
                               "from kg.store import OxigraphStore; s = OxigraphStore(Path(sys.argv[1])); "
                               "print('held', flush=True); sys.stdin.read(); s.close()", str(seed_store)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdin is not None and holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    writer = subprocess.Popen([sys.executable, "-m", "kg", "ingest", "findings", str(findings_table(tmp_path)),
                               "--store", str(seed_store)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stderr is not None
        first = writer.stderr.readline()
        assert first == f"kg: waiting for another kg process to release {seed_store}\n"
        assert writer.poll() is None  # still waiting, not failed
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    out, rest = writer.communicate(timeout=120)
    assert writer.returncode == 0, rest
    assert "graph(s) written" in out


# -- real owner processes ------------------------------------------------------------------------


@contextmanager
def serving(store: Path, log: Path, *extra: str,
            env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``kg serve`` on a free port; yields the process and its /sparql URL, and stops it (if still alive)."""
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0", *extra],
                               stdout=subprocess.PIPE, stderr=log.open("wb"), text=True, cwd=REPO_ROOT,
                               env={**os.environ, "KG_STORE": "", **(env or {})})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "SPARQL endpoint on" in line, log.read_text(encoding="utf-8", errors="replace")
        yield process, line.split()[3]
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def sparql(url: str, query: str) -> list[dict[str, str]]:
    """A SELECT through an endpoint: the bindings' values."""
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode({'query': query})}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        data = json.load(answer)
    return [{name: cell["value"] for name, cell in row.items()} for row in data["results"]["bindings"]]


FINDINGS_QUERY = "SELECT ?finding WHERE {{ <https://pubmed.ncbi.nlm.nih.gov/{pmid}> ckg:reportsFinding ?finding }}"


@pytest.mark.slow
def test_cli_commands_work_through_kg_serve_and_the_endpoint_sees_their_writes(seed_store: Path, tmp_path: Path):
    table = findings_table(tmp_path)
    with serving(seed_store, tmp_path / "owner.log") as (owner, url):
        assert sparql(url, FINDINGS_QUERY.format(pmid=NEW_PMID)) == []
        compacted = run_kg("optimize", store=seed_store)
        assert compacted.returncode == 0 and compacted.stdout.startswith("compacted "), compacted.stderr
        commands = [["ingest", "findings", str(table)], ["query", "citing-publications"], ["stats"],
                    ["validate"], ["export", "--format", "nquads"]]
        running = [subprocess.Popen([sys.executable, "-m", "kg", *args, "--store", str(seed_store)], cwd=REPO_ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for args in commands]
        results = [(args, *process.communicate(timeout=300), process.returncode)
                   for args, process in zip(commands, running, strict=True)]
        for args, _out, err, code in results:
            assert code == 0 and "lock" not in err.lower(), (args, err)
        assert len(sparql(url, FINDINGS_QUERY.format(pmid=NEW_PMID))) == 1
        stats = run_kg("stats", store=seed_store)
        assert stats.returncode == 0 and "studies: 2" in stats.stdout, stats.stdout + stats.stderr

        # A second endpoint on the same store forwards its queries to the owner.
        with serving(seed_store, tmp_path / "second.log") as (_second, second_url):
            assert len(sparql(second_url, FINDINGS_QUERY.format(pmid=NEW_PMID))) == 1
        assert owner.poll() is None
    assert not (seed_store / DISCOVERY_FILE).exists()  # a clean exit removes the discovery file


@pytest.mark.slow
def test_kill_of_the_owner_during_a_client_write_leaves_a_store_the_next_command_finishes(seed_store: Path,
                                                                                           tmp_path: Path):
    log = tmp_path / "owner.log"
    table = findings_table(tmp_path)
    with serving(seed_store, log, "--workers", "0", env={"KG_TEST_PAUSE_AT": "owner-after-write"}) as (owner, _):
        client = subprocess.Popen([sys.executable, "-m", "kg", "ingest", "findings", str(table),
                                   "--store", str(seed_store)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while "paused at owner-after-write" not in log.read_text(encoding="utf-8", errors="replace"):
            assert time.monotonic() < deadline and client.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.05)
        owner.kill()  # SIGKILL: no cleanup, the discovery file stays
        owner.wait()
        _out, err = client.communicate(timeout=60)
    assert client.returncode == 1
    assert err.startswith("kg: error: lost the owner of ") and err.count("\n") == 1, err
    assert (seed_store / DISCOVERY_FILE).exists()

    validate = run_kg("validate", store=seed_store)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    stats = run_kg("stats", store=seed_store)
    assert stats.returncode == 0 and "showing live counts" in stats.stderr, stats.stderr  # and wrote nothing
    again = run_kg("ingest", "findings", table, store=seed_store)
    assert again.returncode == 0 and "1 graph(s) written" in again.stdout, again.stdout + again.stderr
    assert not (seed_store / DISCOVERY_FILE).exists()  # the stale file went with the first writer that held the lock
    stats = run_kg("stats", store=seed_store)
    assert "studies: 2" in stats.stdout and "counts: the store changed" not in stats.stderr, stats.stderr


def test_store_error_when_the_owner_is_gone_mid_session(seed_store: Path):
    """A client whose owner vanished says so in one line instead of hanging or raising a socket error."""
    owner = open_store(str(seed_store), own=True)
    client = open_store(str(seed_store))
    assert isinstance(client, OwnerClient)
    owner.close()
    with pytest.raises(StoreError, match="lost the owner of"):
        client.query("ASK { ?s ?p ?o }")


# -- make run ------------------------------------------------------------------------------------


def _group_members(pgid: int) -> list[int]:
    """Processes whose process group is ``pgid`` (from /proc), zombies excluded."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(stat.parent.name))
    return members


def _wait_for(url: str, deadline: float) -> None:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing answered at {url}"
            time.sleep(0.3)


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["ctrl-c", "sigterm"])
def test_explore_with_endpoint_starts_both_and_stopping_it_stops_every_process(seed_store: Path, tmp_path: Path,
                                                                                stop: str):
    """What ``make run`` runs: the endpoint owns the store, the explorer beside it; stopping leaves nothing behind.

    Ctrl-C in a terminal signals the whole foreground group; ``kill PID`` signals the launcher alone.
    """
    from explorer_process import free_port as _free_port

    port, endpoint = _free_port(), _free_port()
    launcher = subprocess.Popen([sys.executable, "-m", "kg", "explore", "--store", str(seed_store), "--port", str(port),
                                 "--endpoint", str(endpoint)], cwd=REPO_ROOT, start_new_session=True,
                                stdout=(tmp_path / "run.log").open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        _wait_for(f"http://127.0.0.1:{port}/_stcore/health", deadline)
        _wait_for(f"http://127.0.0.1:{endpoint}/sparql", deadline)
        info = read_discovery(seed_store)
        assert info is not None and info.pid in _group_members(launcher.pid)  # kg serve owns the store
        assert len(_group_members(launcher.pid)) >= 3  # the launcher, kg serve, streamlit
        written = run_kg("ingest", "findings", findings_table(tmp_path), store=seed_store)
        assert written.returncode == 0 and "lock" not in written.stderr.lower(), written.stderr
        assert len(sparql(f"http://127.0.0.1:{endpoint}/sparql", FINDINGS_QUERY.format(pmid="28494518"))) > 0
        if stop == "ctrl-c":
            os.killpg(launcher.pid, signal.SIGINT)
        else:
            launcher.terminate()
        assert launcher.wait(timeout=30) == (130 if stop == "ctrl-c" else 143)
        deadline = time.monotonic() + 15
        while _group_members(launcher.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group_members(launcher.pid) == []
        assert not (seed_store / DISCOVERY_FILE).exists()
    finally:
        if launcher.poll() is None or _group_members(launcher.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()

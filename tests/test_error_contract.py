"""Every user-caused error is one line, ``kg: error: <what and where>``, exit 1, and no traceback.

Each case is something a clumsy or hostile user can do: an XML file in an encoding
Python does not know, a spreadsheet saved as Latin-1, a binary file named .csv, a
bad identifier in a curated table, an IRI parameter holding ``>`` or a space, a
full disk (injected at the store's write boundary, on a real tmpfs where the
tests run as root, and ``/dev/full``), control characters in data and file names.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA as DATA_DIR
from conftest import FIXTURES, REPO_ROOT

import kg.cli
import kg.store
from ingest.pubmed_page import read_page
from kg.cli import main
from kg.ids import publication_iri
from kg.model import PublicationRef
from kg.store import OxigraphStore

SEED_FINDINGS = sorted(DATA_DIR.glob("seed/*-findings.csv"))[0]


def one_error_line(capsys: pytest.CaptureFixture, code: int) -> str:
    """Check the contract (exit 1, one stderr line starting ``kg: error:``) and return that line."""
    err = capsys.readouterr().err
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), err
    return lines[0]


def test_unknown_xml_encoding(tmp_path, capsys):
    path = tmp_path / "odd.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="x-no-such-encoding"?>\n<PubmedArticleSet/>\n')
    line = one_error_line(capsys, main(["ingest", "pubmed-xml", str(path), "--store", "memory:"]))
    assert "odd.xml" in line and "x-no-such-encoding" in line


def test_latin1_csv_names_line_and_column(tmp_path, capsys):
    path = tmp_path / "latin.csv"
    path.write_bytes("relation,direction,source_title,object_text\nrisk,increases,Étude,relapse\n".encode("latin-1"))
    line = one_error_line(capsys, main(["ingest", "findings", str(path), "--store", "memory:"]))
    assert "latin.csv:2:16: not UTF-8 text (byte 0xc9)" in line


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xfe\xfd\xfc"])
def test_binary_csv(tmp_path, capsys, data):
    path = tmp_path / "image.csv"
    path.write_bytes(data)
    line = one_error_line(capsys, main(["ingest", "findings", str(path), "--store", "memory:"]))
    assert re.search(r"image.csv:\d+:\d+: ", line) and ("NUL" in line or "not UTF-8" in line)


@pytest.mark.parametrize(("column", "value"), [("source_pmid", "PMID 12x"), ("source_doi", "not-a-doi")])
def test_curated_identifier_error_names_file_row_and_column(tmp_path, capsys, column, value):
    path = tmp_path / "mine-findings.csv"
    path.write_text(f"relation,direction,{column},object_text\nrisk,increases,{value},relapse\n", encoding="utf-8")
    line = one_error_line(capsys, main(["ingest", "findings", str(path), "--store", "memory:"]))
    assert f"mine-findings.csv:2: {column}: " in line and value in line


@pytest.mark.parametrize("value", ["https://pubmed.ncbi.nlm.nih.gov/1>2", "https://example.org/a b", "<urn:x y>"])
def test_iri_parameter_with_forbidden_characters(capsys, value):
    code = main(["query", "authors", "--param", f"publication={value}", "--store", "memory:"])
    assert "not a valid IRI" in one_error_line(capsys, code)


class FullDisk:
    """A pyoxigraph store whose every write fails as a full disk does (reads still work)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def __iter__(self) -> object:
        return iter(self._inner)

    def _full(self, *args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    update = extend = bulk_load = bulk_extend = flush = _full


def test_disk_full_during_ingest_is_one_line_and_close_does_not_raise_again(tmp_path, capsys, monkeypatch):
    location = tmp_path / "store"
    OxigraphStore(location).close()

    def full_store(spec: str | None = None, **_: object) -> OxigraphStore:
        store = OxigraphStore(location)
        store._store = FullDisk(store._store)
        return store

    monkeypatch.setattr(kg.store, "open_store", full_store)
    line = one_error_line(capsys, main(["ingest", "findings", str(SEED_FINDINGS), "--store", str(location)]))
    assert "No space left on device" in line


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):
    """A 3 MB tmpfs: a real full disk. Mounting needs root; elsewhere the injected test above covers the case."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def kg_process(*args: str, store: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args, "--store", str(store)], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=120)


def test_real_full_disk_during_ingest(tiny_tmpfs):
    store = tiny_tmpfs / "store"
    assert kg_process("build", store=store).returncode == 0
    # Leave room to open the store but not to write a page of a few thousand triples.
    free = shutil.disk_usage(tiny_tmpfs).free
    (tiny_tmpfs / "filler").write_bytes(b"\0" * max(0, free - 360 * 1024))
    page = tiny_tmpfs.parent / "page.txt"
    citing = "".join(f"Paper {n} on relapse\nDoe J, Roe A. Blood. 2020;1:{n}.\nPMID: {30000000 + n}\n"
                     for n in range(3000))
    page.write_text(f"A study of relapse\n\nCited by\n{citing}", encoding="utf-8")
    result = kg_process("ingest", "page", str(page), store=store)
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("kg: error: ")]
    assert result.returncode == 1 and len(errors) == 1, result.stderr
    assert "No space left on device" in errors[0]


def test_export_to_dev_full(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    capsys.readouterr()
    line = one_error_line(capsys, main(["export", "-o", "/dev/full", "--store", str(store)]))
    assert "/dev/full" in line and "No space left on device" in line


def test_export_failing_midway_leaves_no_truncated_file(tmp_path, capsys, monkeypatch):
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    out = tmp_path / "graph.trig"
    out.write_text("previous export\n")

    def dump_then_fail(self: OxigraphStore, handle: object, fmt: object) -> None:
        handle.write(b"<https://example.org/a> <https://example.org/b> ")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(OxigraphStore, "dump", dump_then_fail)
    capsys.readouterr()
    line = one_error_line(capsys, main(["export", "-o", str(out), "--store", str(store)]))
    assert "nothing written" in line
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.trig", "store"]


def test_export_writes_the_whole_file(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    out = tmp_path / "graph.nq"
    assert main(["export", "--format", "nquads", "-o", str(out), "--store", str(store)]) == 0
    assert OxigraphStore(store).quad_count() == len(out.read_text().splitlines())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nq", "store"]


def test_control_characters_in_data_are_escaped_in_the_table(tmp_path, capsys):
    store_path = tmp_path / "store"
    store = OxigraphStore(store_path)
    iri = publication_iri(PublicationRef(pmid="31000009"))
    from rdflib import Literal, URIRef

    from kg import namespaces as ns

    store.replace_graphs({"https://w3id.org/cohort-kg/graph/test/ctl": [
        (URIRef(iri), ns.RDF.type, ns.BIBO.Document),
        (URIRef(iri), ns.DCTERMS.title, Literal("Evil\x1b[2J\x1b]0;owned\x07 title\x00end")),
    ]})
    store.close()
    code = main(["query", "SELECT ?t WHERE { ?p dcterms:title ?t }", "--store", str(store_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b" not in out and "\x00" not in out and "\x07" not in out
    assert "Evil\\x1b[2J" in out and "\\x00end" in out


def test_control_characters_in_an_error_are_escaped(tmp_path, capsys):
    line = one_error_line(capsys, main(["load", str(tmp_path / "a\x1b[31mred.nt"), "--store", "memory:"]))
    assert "\x1b" not in line and "a\\x1b[31mred.nt" in line


def test_bom_never_reaches_the_title(tmp_path):
    text = (FIXTURES / "pages" / "messy_page.txt").read_text(encoding="utf-8")
    path = tmp_path / "saved.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    doc = next(read_page(path))
    title = doc.records[0].title
    assert title and not title.startswith("\ufeff") and "\ufeff" not in title
    assert title == next(read_page(FIXTURES / "pages" / "messy_page.txt")).records[0].title


def test_no_traceback_for_a_missing_output_folder(tmp_path, capsys):
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    capsys.readouterr()
    line = one_error_line(capsys, main(["export", "-o", str(tmp_path / "no" / "such" / "x.trig"), "--store",
                                        str(store)]))
    assert "x.trig" in line
    assert not os.path.exists(tmp_path / "no")


def test_export_to_a_full_standard_output(tmp_path):
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "kg", "export", "--store", str(store)], stdout=full,
                                stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["kg: error: cannot write standard output: No space left on device"]


@pytest.mark.parametrize("argv", [
    ["serve", "--port", "99999"],
    ["serve", "--port", "-1"],
    ["serve", "--workers", "-2"],
    ["explore", "--port", "70000"],
    ["explore", "--endpoint", "-5"],
])
def test_out_of_range_port_or_workers_is_one_line(capsys, argv):
    """A port outside 0-65535 reached socket.bind and ended in an OverflowError traceback."""
    line = one_error_line(capsys, main([*argv, "--store", "memory:"]))
    assert re.search(r"--(port|endpoint|workers) ", line)


def test_bidi_overrides_in_data_are_escaped_in_the_table(capsys):
    """U+202E printed raw shows the rest of the line reversed: a cell could pass for another value."""
    query = 'SELECT ?t WHERE { VALUES ?t { "price \\u202e001\\u202c \\u2066x\\u2069" } }'
    assert main(["query", query, "--store", "memory:"]) == 0
    out = capsys.readouterr().out
    assert not set(out) & {"\u202e", "\u202c", "\u2066", "\u2069"}
    assert "price \\u202e001\\u202c \\u2066x\\u2069" in out


@pytest.mark.parametrize(("argv", "named"), [
    (["query", "--format", "bogus", "x"], "--format"),
    (["refresh", "--since", "yesterday"], "--since"),
    (["ingest", "page"], "FILE"),
    (["serve", "--port", "abc"], "--port"),
    (["no-such-command"], "COMMAND"),
])
def test_a_bad_option_is_one_line_and_exit_1(capsys, argv, named):
    """argparse's own errors printed the usage block and exited 2; they follow the contract too."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    line = one_error_line(capsys, stopped.value.code)
    assert named in line and "--help" in line


def test_optimize_refuses_a_path_without_a_store(tmp_path, capsys):
    """Optimizing a missing path created an empty store there and reported success."""
    target = tmp_path / "no-store-here"
    line = one_error_line(capsys, main(["optimize", "--store", str(target)]))
    assert "not a cohort-kg store" in line and not target.exists()

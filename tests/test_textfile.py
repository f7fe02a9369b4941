"""The one reader of the user's files (``kg.textfile``): UTF-8 or a one-line error placing the bad byte."""

from __future__ import annotations

import pytest
from conftest import run_kg

from kg.errors import InputError
from kg.textfile import decode_utf8, read_text_file


@pytest.mark.parametrize(("raw", "message"), [
    (b"title\nab\xc9d", "f.txt:2:3: not UTF-8 text (byte 0xc9)"),
    (b"\xef\xbb\xbfx\xff", "f.txt:1:5: not UTF-8 text (byte 0xff)"),  # the BOM's 3 bytes are counted
    (b"\x89PNG\r\n", "f.txt:1:1: not UTF-8 text (byte 0x89)"),
])
def test_the_first_bad_byte_is_placed_by_line_and_column(raw: bytes, message: str):
    with pytest.raises(InputError) as caught:
        decode_utf8(raw, "f.txt")
    assert str(caught.value) == message


def test_a_bom_is_dropped_and_a_line_of_a_file_keeps_its_line_number():
    assert decode_utf8(b"\xef\xbb\xbfPMID: 1", "f") == "PMID: 1"
    with pytest.raises(InputError, match=r"^c.jsonl:7:3: not UTF-8 text \(byte 0xe9\); save it as UTF-8$"):
        decode_utf8(b'{"\xe9', "c.jsonl", first_line=7, hint="save it as UTF-8")


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match=r"^cannot read .*absent.txt: No such file"):
        read_text_file(tmp_path / "absent.txt")


@pytest.mark.parametrize("command", [("query",), ("ingest", "page"), ("extract",)])
def test_every_command_reading_a_user_file_gives_the_same_one_line_error(tmp_path, command):
    latin = tmp_path / "latin1.rq"
    latin.write_bytes("SELECT * WHERE { ?s ?p \"Montréal\" }".encode("latin-1"))
    result = run_kg(*command, latin, store="memory:")
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"kg: error: {latin}:1:30: not UTF-8 text (byte 0xe9)"

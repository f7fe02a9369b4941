"""The real-abstract corpus reader, the dev/test split, and the dev gold file that follows its README."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import DATA as DATA_DIR
from conftest import REPO_ROOT, require_shared

from ingest.extract.corpus import dev_records, iter_jsonl, split_of
from kg.errors import InputError

CORPUS = REPO_ROOT.parent / "shared" / "fixtures" / "abstracts" / "abstracts.jsonl"
DEV_GOLD = DATA_DIR / "gold" / "abstracts" / "dev.jsonl"


def _ids(split: str, count: int) -> list[str]:
    """Invented ids that fall in the given split."""
    return [f"x:{n}" for n in range(200) if split_of(f"x:{n}") == split][:count]


def test_split_is_the_parity_of_the_ids_hash() -> None:
    for record_id in ("evidence-inference:PMC1201146", "pubmedqa:123", "x:1"):
        odd = int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % 2
        assert split_of(record_id) == ("test" if odd else "dev")


def test_dev_records_never_yield_a_test_record(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    dev, test = _ids("dev", 3), _ids("test", 3)
    corpus.write_text("".join(json.dumps({"id": i, "text": f"text of {i}"}) + "\n" for i in [*test, *dev]))
    assert [r.id for r in dev_records(corpus)] == dev


@pytest.mark.parametrize(("content", "message"), [
    (b'{"id": "a", "text": "ok"}\nnot json\n', "c.jsonl:2: not JSON"),
    (b'{"id": "a"}\n', "c.jsonl:1: expected an object with a 'text' string"),
    (b'{"id": "a", "text": "\xff\xfe"}\n', "not UTF-8"),
])
def test_bad_lines_name_the_file_and_line(tmp_path: Path, content: bytes, message: str) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_bytes(content)
    with pytest.raises(InputError, match=message):
        list(iter_jsonl(corpus))


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        list(iter_jsonl(tmp_path / "absent.jsonl"))


def test_dev_gold_follows_the_readme() -> None:
    records = [json.loads(line) for line in DEV_GOLD.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 70
    for record in records:
        assert record["split"] == "dev" == split_of(record["id"])
        stats = record["statistics"]
        assert set(stats) == {"p_values", "count_percent", "percentages", "effect_sizes", "sample_sizes"}
        assert all(p["comparator"] in ("=", "<", ">", "<=", ">=") for p in stats["p_values"])
        assert all(e["measure"] in ("HR", "OR", "RR", "IRR", "MD", "RD", "other") for e in stats["effect_sizes"])
        for finding in record["findings"]:
            assert finding["direction"] in ("increases", "decreases", "no_effect", "unspecified")
            assert finding["subject_text"] and finding["object_text"]


def test_dev_gold_covers_the_first_dev_abstracts_in_corpus_order() -> None:
    require_shared(CORPUS)
    gold_ids = [json.loads(line)["id"] for line in DEV_GOLD.read_text(encoding="utf-8").splitlines()]
    dev_ids = [r.id for r in dev_records(CORPUS)]
    assert gold_ids == dev_ids[:len(gold_ids)]  # in file order, none skipped

"""Score the extractor of an earlier commit on a JSON Lines gold with today's scorer (the "before" figures).

Not a test. Run:  .venv/bin/python bench/score_at_commit.py [--commit c072674] [GOLD]

The commit's tree is exported with ``git archive`` into a temporary folder; this
checkout's ``ingest/extract/score.py`` and ``corpus.py`` are copied into it (an older
``Statistic`` has no ``found_by``, so the copy reads it with ``getattr``), and the
scorer runs there in a child process, so the old extractor and the new scorer meet
without mixing with this checkout's code.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "fixtures" / "abstracts" / "abstracts.jsonl"

_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from ingest.extract.score import format_score, score_gold
print(format_score(score_gold(Path(sys.argv[2]), Path(sys.argv[3]))), end="")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gold", nargs="?", type=Path, default=ROOT / "data" / "gold" / "abstracts" / "dev.jsonl")
    parser.add_argument("--commit", default="c072674")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        archive = subprocess.run(["git", "archive", args.commit], capture_output=True, check=True, cwd=ROOT).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        for name in ("score.py", "corpus.py"):
            source = (ROOT / "ingest" / "extract" / name).read_text(encoding="utf-8")
            source = source.replace("stat.found_by", "getattr(stat, 'found_by', '')")
            source = source.replace("p.found_by", "getattr(p, 'found_by', None)")
            (tree / "ingest" / "extract" / name).write_text(source, encoding="utf-8")
        result = subprocess.run([sys.executable, "-c", _CHILD, str(tree), str(args.gold.resolve()),
                                 str(args.corpus.resolve())], capture_output=True, text=True, cwd=tree)
        if result.returncode:
            sys.exit(result.stderr.strip().splitlines()[-1])
        print(f"extractor at {args.commit}, scored by this checkout's scorer")
        print(result.stdout, end="")


if __name__ == "__main__":
    main()

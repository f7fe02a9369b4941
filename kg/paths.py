"""Where the project's own data files live, resolved from the source tree.

The ontology, vocabulary and shapes are curator-editable data files beside the
code, not Python modules, so the code finds them relative to the repository.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = REPO_ROOT / "ontology"
DATA_DIR = REPO_ROOT / "data"
QUERY_DIR = Path(__file__).resolve().parent / "queries"

"""``require_shared``: a missing ``../shared`` input skips a test on a developer's machine and fails it in CI."""

from __future__ import annotations

import pytest
from _pytest.outcomes import Failed, Skipped
from conftest import require_shared


def test_missing_input_skips_outside_ci(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match=r"absent\.txt not found"):
        require_shared(tmp_path, tmp_path / "absent.txt")  # the first missing one is named


@pytest.mark.parametrize("value", ["true", "True", "1"])
def test_missing_input_fails_in_ci(tmp_path, monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(Failed, match=r"absent.txt not found \(../shared is absent\); CI=true needs it"):
        require_shared(tmp_path / "absent.txt")


def test_present_input_passes_in_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    present = tmp_path / "present.txt"
    present.write_text("x", encoding="utf-8")
    assert require_shared(present) is None

"""Start ``kg serve`` as a real subprocess on a free loopback port (tests and the benchmark)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Endpoint:
    """A running ``kg serve``."""

    process: subprocess.Popen[str]
    base: str

    @property
    def url(self) -> str:
        return f"{self.base}/sparql"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start_endpoint(store: str, *args: str, env: dict[str, str] | None = None, wait: float = 60.0) -> Endpoint:
    """``kg serve --port 0`` and the URL it prints once it listens."""
    command = [sys.executable, "-m", "kg", "serve", "--store", store, "--port", "0", *args]
    errors = tempfile.TemporaryFile("w+")  # noqa: SIM115 - lives as long as the server; a file, not a pipe: a long run's log never blocks the server
    process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=errors, text=True,
                               env={**os.environ, **(env or {})})
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            match = re.search(r"(http://127\.0\.0\.1:\d+)/sparql", line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(wait)
    if not found:
        process.kill()
        process.wait(10)
        errors.seek(0)
        raise RuntimeError(f"kg serve did not start: {errors.read()[-2000:]}")
    return Endpoint(process, found[0])

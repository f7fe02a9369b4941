"""Start the explorer as a real Streamlit process on a free loopback port, for the browser tests.

Chromium (Debian's, driven by Playwright) is the browser; ``ARGS`` keeps it from reaching the network.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Wait until Streamlit's health URL answers 200; fail at once if the process ended."""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url}")


@contextmanager
def running_explorer(store: Path, log_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The explorer as ``kg explore`` starts it (``explorer.server``), from the checkout; yields URL and process."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "explorer.server", "run", "app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             "--", "--store", str(store)],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "KG_STORE": ""},
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", process, time.monotonic() + 60)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            process.wait(timeout=20)

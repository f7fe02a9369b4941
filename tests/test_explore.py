"""``kg explore``: the packaged explorer started through the CLI, on a real loopback port."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import REPO_ROOT

from explorer.launch import APP, streamlit_command


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_streamlit_command_runs_the_packaged_app_and_passes_the_store_after_the_separator():
    args = argparse.Namespace(address="127.0.0.1", port=9999, store="some/store")
    command = streamlit_command(args)
    assert command[1:5] == ["-m", "explorer.server", "run", str(APP)] and APP.is_file()
    assert command[-3:] == ["--", "--store", "some/store"]
    assert command[command.index("--server.port") + 1] == "9999"
    assert command[command.index("--runner.magicEnabled") + 1] == "false"  # as .streamlit/config.toml says
    assert "--" not in streamlit_command(argparse.Namespace(address="127.0.0.1", port=1, store=None))


def test_kg_explore_serves_the_app_and_stops_with_its_process(tmp_path):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kg", "explore", "--port", str(port), "--store",
                                str(tmp_path / "store")], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
                    health = response.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert health == "ok", process.stdout.read() if process.poll() is not None else "no answer in 90 s"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200 and b"<html" in response.read().lower()
    finally:
        process.terminate()
        process.wait(30)
    with socket.socket() as probe:  # the process that was stopped was the server itself: the port is free
        assert probe.connect_ex(("127.0.0.1", port)) != 0

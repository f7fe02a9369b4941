"""``kg explore``: start the Streamlit explorer on a store, from a checkout or an installed package.

The app is ``explorer/app.py`` inside the package, so the command finds it
beside this module instead of relying on the current directory. On POSIX the
command replaces itself with ``python -m explorer.server run`` (Streamlit's own
``streamlit run`` after preloading the pages' libraries; so stopping the
process stops the server); elsewhere Streamlit runs as a child process.

With ``--endpoint PORT`` (what ``make run`` uses) it also publishes the SPARQL
endpoint: ``kg serve`` starts first and owns the store, the explorer works
through it (``kg.store.owner``), and the command stays the parent of both, so
Ctrl-C or a SIGTERM to it stops both and waits for them to exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

from kg.plugins import Command

APP = Path(__file__).resolve().parent / "app.py"


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--endpoint", type=int, metavar="PORT",
                        help="also serve the SPARQL endpoint (kg serve) on this port; Ctrl-C stops both")


def streamlit_command(args: argparse.Namespace) -> list[str]:
    """``streamlit run`` (through ``explorer.server``, which preloads libraries); the store goes after ``--``.

    The settings of the checkout's ``.streamlit/config.toml`` are repeated as flags: an installed
    package runs from any directory, where that file is not read.
    """
    command = [sys.executable, "-m", "explorer.server", "run", str(APP), "--server.address", args.address,
               "--server.port", str(args.port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--runner.magicEnabled", "false"]
    if args.store:
        command += ["--", "--store", args.store]
    return command


def serve_command(args: argparse.Namespace) -> list[str]:
    """The ``kg serve`` command line that publishes the endpoint beside the explorer."""
    command = [sys.executable, "-m", "kg", "serve", "--host", args.address, "--port", str(args.endpoint)]
    if args.store:
        command += ["--store", args.store]
    return command


def _stop(processes: list[subprocess.Popen[bytes]], *, forward: bool, grace: float = 10.0) -> None:
    """Stop every child, ignoring a second Ctrl-C meanwhile, so that none is left running.

    Ctrl-C reaches the whole foreground group, so the children get a moment to stop by themselves;
    then SIGTERM, then a kill after ``grace`` seconds. ``forward``: only this process was signalled
    (``kill PID``), so the children are told at once.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not forward:
        _wait_all(processes, 3.0)
    for process in processes:
        if process.poll() is None:
            with suppress(OSError):
                process.terminate()
    for process in _wait_all(processes, grace):
        process.kill()
        process.wait()


def _wait_all(processes: list[subprocess.Popen[bytes]], seconds: float) -> list[subprocess.Popen[bytes]]:
    """Wait up to ``seconds`` for every process to exit; return those still running."""
    deadline = time.monotonic() + seconds
    for process in processes:
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.05, deadline - time.monotonic()))
    return [process for process in processes if process.poll() is None]


class _Terminated(Exception):
    """SIGTERM reached this process (and, unlike Ctrl-C, not its children)."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


def run_with_endpoint(args: argparse.Namespace) -> int:
    """The endpoint and the explorer as two children; the first to exit (or Ctrl-C) stops the other."""
    from kg.errors import KGError

    signal.signal(signal.SIGTERM, _terminate)
    children: list[subprocess.Popen[bytes]] = []
    try:
        serve = subprocess.Popen(serve_command(args), stdout=subprocess.PIPE)
        children.append(serve)
        assert serve.stdout is not None
        line = serve.stdout.readline().decode("utf-8", "replace")  # says where it listens once the store is open
        if serve.poll() is not None or "SPARQL endpoint on" not in line:
            serve.wait()
            raise KGError(f"the endpoint did not start (kg serve exited with {serve.returncode})")
        print(line.strip(), flush=True)
        print(f"cohort-kg explorer on http://{args.address}:{args.port} (Ctrl-C stops both)", flush=True)
        children.append(subprocess.Popen(streamlit_command(args)))
        while all(child.poll() is None for child in children):
            time.sleep(0.2)
        return max(child.returncode or 0 for child in children if child.poll() is not None)
    except KeyboardInterrupt:
        _stop(children, forward=False)
        return 130
    except _Terminated:
        _stop(children, forward=True)
        return 143
    finally:
        _stop(children, forward=True)  # a child exited or failed to start: stop the other


def _run(args: argparse.Namespace) -> int:
    from kg.errors import InputError

    for option, port in (("--port", args.port), ("--endpoint", args.endpoint)):
        if port is not None and not 0 <= port <= 65535:
            raise InputError(f"{option} must be between 0 and 65535, got {port}")
    if args.endpoint is not None:
        return run_with_endpoint(args)
    print(f"cohort-kg explorer on http://{args.address}:{args.port}", flush=True)
    command = streamlit_command(args)
    if os.name == "posix":  # become Streamlit: a signal to this process (Ctrl+C, kill PID) reaches the server
        os.execv(command[0], command)
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130


EXPLORE = Command(
    name="explore",
    help="open the explorer (a Streamlit app) on the store",
    description="Start the explorer, a Streamlit app over the store, and print its address. "
    "Without --store it uses $KG_STORE, else the embedded default store.",
    add_arguments=_add_arguments,
    run=_run,
)

"""``kg explore``: start the Streamlit explorer on a store, from a checkout or an installed package.

The app is ``explorer/app.py`` inside the package, so the command finds it
beside this module instead of relying on the current directory. On POSIX the
command replaces itself with ``python -m streamlit run`` (so stopping the
process stops the server); elsewhere Streamlit runs as a child process.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from kg.plugins import Command

APP = Path(__file__).resolve().parent / "app.py"


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (default: 8501)")
    parser.add_argument("--address", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only)")


def streamlit_command(args: argparse.Namespace) -> list[str]:
    """The ``streamlit run`` command line for these arguments (the store goes after ``--``, to the app).

    The settings of the checkout's ``.streamlit/config.toml`` are repeated as flags: an installed
    package runs from any directory, where that file is not read.
    """
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address", args.address,
               "--server.port", str(args.port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
               "--runner.magicEnabled", "false"]
    if args.store:
        command += ["--", "--store", args.store]
    return command


def _run(args: argparse.Namespace) -> int:
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

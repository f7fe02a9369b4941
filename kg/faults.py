"""Test hooks that make a write die or wait at a named point, as a crash or a Ctrl-C would.

Crash-consistency and interrupt tests run real ``kg`` processes; these
environment variables let them stop a write at an exact step. Unset (always,
outside the tests) they cost one dictionary lookup.
"""

from __future__ import annotations

import os
import signal
import sys
import time

KILL_AT_ENV = "KG_TEST_KILL_AT"
"""Test hook: names a point (``after-data``: in the pipeline before its derive stage, and in ``kg load``;
``staged-part``, ``staged-commit``, ``staged-removed``, ``staged-copy``, ``staged-clear``: the steps of a
staged write, ``kg.store.staged``) where the process kills itself with SIGKILL, as a crash would."""

PAUSE_AT_ENV = "KG_TEST_PAUSE_AT"
"""Test hook: names a point (``after-load``, ``after-batch``, ``staged-part``) where the process waits for a signal
such as Ctrl-C."""


def crash_point(name: str) -> None:
    """Die here, uncleanly, when ``KG_TEST_KILL_AT`` names this point (tests of crash consistency)."""
    if os.environ.get(KILL_AT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def pause_point(name: str) -> None:
    """Wait here for a signal when ``KG_TEST_PAUSE_AT`` names this point (tests of Ctrl-C handling).

    Says so on stderr first, so the test knows when to send it.
    """
    if os.environ.get(PAUSE_AT_ENV) == name:
        print(f"kg: paused at {name}", file=sys.stderr, flush=True)
        time.sleep(60)

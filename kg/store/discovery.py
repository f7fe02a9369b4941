"""Finding the owner of an on-disk store: the discovery file ``STORE/kg-owner.json`` and its liveness.

The owner (``kg.store.owner``) writes the file atomically with mode 0600 (it holds the
channel's secret token); every other process reads it to find the channel. A file whose
process is gone, or that does not answer ``/ping`` within a second, is stale: openers
ignore it, and the next owner replaces it.
"""

from __future__ import annotations

import hmac
import json
import os
import tempfile
from contextlib import suppress
from dataclasses import asdict, dataclass
from http import HTTPStatus
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any

DISCOVERY_FILE = "kg-owner.json"
"""The file in the store directory that names the owner's channel (pid, port, token)."""

PING_TIMEOUT = 1.0
"""Seconds an owner has to answer ``/ping`` before its discovery file counts as stale."""


@dataclass(frozen=True)
class OwnerInfo:
    """What the discovery file says: where the owner's channel listens and the token it wants."""

    pid: int
    port: int
    token: str
    version: str
    started: float
    store: str
    """The resolved store directory."""


def discovery_path(store: Path) -> Path:
    """Where the discovery file of ``store`` lives."""
    return store / DISCOVERY_FILE


def read_discovery(store: Path) -> OwnerInfo | None:
    """The discovery file's content, or None when there is none or it cannot be read as one."""
    try:
        data = json.loads(discovery_path(store).read_text(encoding="utf-8"))
        return OwnerInfo(int(data["pid"]), int(data["port"]), str(data["token"]), str(data["version"]),
                         float(data["started"]), str(data["store"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_discovery(store: Path, info: OwnerInfo) -> None:
    """Write the discovery file atomically (a temporary file renamed over it) with mode 0600.

    The temporary file is created 0600 from the start, so the token is never readable by others.
    """
    fd, temporary = tempfile.mkstemp(prefix=".kg-owner.", suffix=".tmp", dir=store)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(asdict(info), out)
        os.replace(temporary, discovery_path(store))
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def remove_discovery(store: Path, token: str) -> None:
    """Remove the discovery file if it is still the one with ``token`` (a newer owner's file stays)."""
    info = read_discovery(store)
    if info is not None and hmac.compare_digest(info.token, token):
        with suppress(OSError):
            discovery_path(store).unlink()


def remove_stale_discovery(store: Path) -> None:
    """Remove a discovery file left by a dead owner; call it only while holding the store's lock.

    Holding the RocksDB lock proves that no owner is alive (an owner holds that lock for its lifetime).
    """
    with suppress(OSError):
        discovery_path(store).unlink()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (it may belong to another user; a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with suppress(OSError, IndexError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def ping(info: OwnerInfo, timeout: float = PING_TIMEOUT) -> dict[str, Any] | None:
    """The owner's ``/ping`` answer, or None if it does not answer in time or refuses the token."""
    connection = HTTPConnection("127.0.0.1", info.port, timeout=timeout)
    try:
        connection.request("GET", "/ping", headers={"Authorization": f"Bearer {info.token}"})
        response = connection.getresponse()
        body = response.read()
        if response.status != HTTPStatus.OK:
            return None
        answer = json.loads(body)
        return answer if isinstance(answer, dict) else None
    except (OSError, HTTPException, ValueError):
        return None
    finally:
        connection.close()


def find_owner(store: Path) -> OwnerInfo | None:
    """The live owner of ``store``, or None (no discovery file, or a stale one)."""
    info = read_discovery(store)
    if info is None or not pid_alive(info.pid):
        return None
    answer = ping(info)
    if answer is None or answer.get("pid") != info.pid:
        return None
    return info

"""Which store a command means (``--store``, else ``KG_STORE``, else ``data/store``), and opening it.

An on-disk store has at most one opener at a time (RocksDB's lock), so opening one
follows these rules (``docs/architecture.md``, "One store, many processes"):

* If a long-running process owns the store (``kg.store.owner``), every other
  process works through its channel: ``open_store`` returns an ``OwnerClient``.
* Otherwise a writer opens the store directly, at full speed; with ``own=True``
  (the explorer, ``kg serve``) it also starts the owner channel for others.
* A reader (``read_only=True``) opens the store read-only while holding a shared
  lock on RocksDB's ``LOCK`` file, the same POSIX lock a writer takes: readers do not
  block each other, and no writer can start under them (a read-only open beside a
  writer is undefined behaviour in pyoxigraph). A reader never creates a store:
  a folder without RocksDB's ``CURRENT`` is ``not a cohort-kg store: PATH``.
* A store held by another short command is waited for: a message on stderr after
  2 s, at most ``KG_STORE_WAIT`` seconds (default 60), then one line saying it is
  busy. An owner that appears meanwhile is used at once.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from pathlib import Path

from kg.errors import InputError, StoreError
from kg.store.embedded import OxigraphStore
from kg.store.interface import Store

DEFAULT_STORE = "data/store"
"""Where the embedded store lives when neither ``--store`` nor ``KG_STORE`` says otherwise."""

DEFAULT_WAIT = 60.0
"""Seconds a command waits for a store another short command holds (``KG_STORE_WAIT`` overrides)."""

NOTICE_AFTER = 2.0
"""Seconds of waiting after which the command says what it is waiting for."""

POLL_INTERVAL = 0.1
"""Seconds between two attempts to open a busy store."""


def resolve_store_spec(spec: str | None) -> str:
    """``--store`` value, else ``KG_STORE``, else the default embedded store."""
    return spec or os.environ.get("KG_STORE") or DEFAULT_STORE


def is_store(path: Path) -> bool:
    """Whether ``path`` holds an embedded store (RocksDB writes ``CURRENT`` when it creates one)."""
    return (path / "CURRENT").is_file()


def store_wait() -> float:
    """Seconds to wait for a busy store: ``KG_STORE_WAIT``, else ``DEFAULT_WAIT``."""
    value = os.environ.get("KG_STORE_WAIT", "").strip()
    if not value:
        return DEFAULT_WAIT
    try:
        seconds = float(value)
    except ValueError:
        raise InputError(f"KG_STORE_WAIT must be a number of seconds, got {value!r}") from None
    if not seconds >= 0:
        raise InputError(f"KG_STORE_WAIT must be 0 or more seconds, got {value!r}")
    return seconds


def open_store(spec: str | None = None, *, read_only: bool = False, own: bool = False) -> Store:
    """Open the store named by ``spec`` (a path, ``memory:`` or an ``http(s)://`` endpoint URL).

    ``read_only``: the command only reads (it never creates or changes the store).
    ``own``: a long-running face; if nobody owns the store, this process becomes its owner.
    Both refuse a path that holds no store rather than create an empty one.
    """
    location = resolve_store_spec(spec)
    if location == "memory:":
        return OxigraphStore(None)
    if location.startswith(("http://", "https://")):
        from kg.store import remote  # the remote backend imports requests: only when named

        return remote.open_remote_store(location)
    return _open_on_disk(Path(location), read_only=read_only, own=own)


class ReadOnlyStore(OxigraphStore):
    """A read-only open that holds a shared lock on the store's ``LOCK`` file until it is closed."""

    def __init__(self, path: Path, lock_fd: int) -> None:
        self._lock_fd = lock_fd
        super().__init__(path, read_only=True)

    def close(self) -> None:
        try:
            super().close()
        finally:
            os.close(self._lock_fd)


def _open_on_disk(path: Path, *, read_only: bool, own: bool) -> Store:
    from kg.store.client import OwnerClient
    from kg.store.discovery import find_owner

    directory = path.resolve()
    wait = store_wait()
    started = time.monotonic()
    noticed = False
    while True:
        info = find_owner(directory) if directory.is_dir() else None
        if info is not None:
            return OwnerClient(info)
        if (read_only or own) and not is_store(directory):
            raise InputError(f"not a cohort-kg store: {path}")
        opened = _try_read_only(directory) if read_only else _try_read_write(directory, own=own)
        if opened is not None:
            return opened
        waited = time.monotonic() - started
        if waited >= wait:
            raise StoreError(f"{path} is busy: another kg process has held it for {waited:.0f} s "
                             "(KG_STORE_WAIT sets how long to wait)")
        if not noticed and waited >= NOTICE_AFTER:
            print(f"kg: waiting for another kg process to release {path}", file=sys.stderr, flush=True)
            noticed = True
        time.sleep(POLL_INTERVAL)


def _is_lock_error(exc: BaseException) -> bool:
    """Whether opening failed because another process holds RocksDB's lock (worth waiting for).

    This process holding it already ("lock hold by current process") is not: no wait would release it.
    """
    text = str(exc.__cause__ or exc)
    return "While lock file" in text and "current process" not in text


def _try_read_write(directory: Path, *, own: bool) -> Store | None:
    """Open read-write (and start the owner channel with ``own``); None while another process holds it."""
    from kg.store.owner import OwnedStore, remove_stale_discovery

    try:
        store = OwnedStore(directory) if own else OxigraphStore(directory)
    except StoreError as exc:
        if _is_lock_error(exc):
            return None
        raise
    remove_stale_discovery(directory)  # holding the lock proves its writer is dead
    if isinstance(store, OwnedStore):
        try:
            store.serve_channel()
        except BaseException:
            store.close()
            raise
    return store


def _try_read_only(directory: Path) -> Store | None:
    """Open read-only under a shared lock on ``LOCK``; None while a writer holds it."""
    try:
        fd = os.open(directory / "LOCK", os.O_RDONLY)
    except FileNotFoundError:
        fd = os.open(os.devnull, os.O_RDONLY)  # a store copied without its LOCK file: nobody can hold it
    except OSError as exc:
        raise StoreError(f"cannot open store {directory}: {exc.strerror or exc}") from exc
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    try:
        return ReadOnlyStore(directory, fd)
    except BaseException:
        os.close(fd)
        raise

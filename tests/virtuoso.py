"""A throwaway Virtuoso server on loopback for the remote-store tests (and the benchmark).

Debian's ``virtuoso-opensource`` package (installed by scripts/test-services.sh)
is started with a copy of its ini file pointing at a temporary database, on
free ports bound to 127.0.0.1, with a fresh dba password set through isql.
``start_virtuoso`` returns None with a reason when the server is not installed
or does not come up, so the tests can skip and say why.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SYSTEM_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
DB_DIR = "/var/lib/virtuoso-opensource-7/db/"


def free_port() -> int:
    """A port nobody listens on right now (bound to 127.0.0.1 and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def configure_ini(text: str, db: Path, sql_port: int, http_port: int, *, max_rows: int = 1_000_000,
                  max_seconds: int = 600) -> str:
    """The system ini rewritten for a private server: temp db paths, loopback ports, raised limits."""
    out: list[str] = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
        key = stripped.split("=", 1)[0].strip() if "=" in stripped and not stripped.startswith(";") else ""
        line = line.replace(DB_DIR, f"{db}/")
        if key == "ServerPort" and section == "Parameters":
            line = f"ServerPort = 127.0.0.1:{sql_port}"
        elif key == "ServerPort" and section == "HTTPServer":
            line = f"ServerPort = 127.0.0.1:{http_port}"
        elif key == "DirsAllowed":
            line = f"{line.rstrip()}, {db}"
        elif key == "ResultSetMaxRows":
            line = f"ResultSetMaxRows = {max_rows}"
        elif key == "MaxQueryExecutionTime":
            line = f"MaxQueryExecutionTime = {max_seconds}"
        elif key == "MaxQueryCostEstimationTime":
            line = "MaxQueryCostEstimationTime = 0"
        elif key in ("MaxClientConnections", "ServerThreads") and section == "HTTPServer":
            line = f"{key} = 20"
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass
class Virtuoso:
    """A running private server."""

    process: subprocess.Popen[bytes]
    folder: Path
    sql_port: int
    http_port: int
    password: str

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def isql(self, command: str, password: str | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", password or self.password, f"EXEC={command}"],
            capture_output=True, text=True, timeout=timeout, check=False,
        )

    def stop(self) -> None:
        """Shut down cleanly through isql, then by PID if it lingers; remove the database."""
        if self.process.poll() is None:
            try:
                subprocess.run(["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", self.password, "-K"],
                               capture_output=True, timeout=30, check=False)
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

    def environment(self) -> dict[str, str]:
        """What a ``kg`` process needs to use this server as its store."""
        return {"KG_STORE": self.query_url, "KG_STORE_USER": "dba", "KG_STORE_PASSWORD": self.password}


def start_virtuoso(folder: Path, *, wait: float = 90.0) -> Virtuoso | str:
    """Start a private server in ``folder``; return it, or a one-line reason it is not available."""
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        return "virtuoso-t / isql-vt not installed (scripts/test-services.sh installs virtuoso-opensource as root)"
    if not SYSTEM_INI.is_file():
        return f"{SYSTEM_INI} is missing"
    db = folder / "db"
    db.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(configure_ini(SYSTEM_INI.read_text(encoding="utf-8"), db, sql_port, http_port), encoding="utf-8")
    log = (folder / "stdout.log").open("wb")
    process = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=db, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    server = Virtuoso(process, folder, sql_port, http_port, "dba")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return f"virtuoso-t exited with {process.returncode}: {_tail(folder / 'stdout.log')}"
        if server.isql("status('');", timeout=10).returncode == 0:
            break
        time.sleep(0.5)
    else:
        server.stop()
        return f"virtuoso did not answer within {wait:g} s"
    # The first start installs its web applications after SQL answers and may reset the account meanwhile:
    # wait for HTTP, then set the password and check it took, through SQL and through HTTP Digest.
    password = "kg" + secrets.token_hex(12)  # an SQL identifier: it must not start with a digit
    while time.monotonic() < deadline:
        if _http_ok(server.query_url):
            server.isql(f"SET PASSWORD dba {password};", "dba")  # fails harmlessly once it has taken
            server.password = password
            if server.isql("status('');").returncode == 0 and _digest_ok(server):
                return server
            server.password = "dba"
        time.sleep(1)
    server.stop()
    return "could not set the dba password of the test server"


def _http_ok(url: str) -> bool:
    import requests

    try:
        return requests.get(url, params={"query": "ASK {}"}, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _digest_ok(server: Virtuoso) -> bool:
    import requests
    from requests.auth import HTTPDigestAuth

    try:
        response = requests.post(server.query_url + "-auth", data={"query": "ASK {}"}, timeout=5,
                                 auth=HTTPDigestAuth("dba", server.password))
    except requests.RequestException:
        return False
    return response.status_code == 200


def _tail(path: Path, size: int = 300) -> str:
    try:
        return path.read_text(errors="replace")[-size:].replace("\n", " ")
    except OSError:
        return "(no log)"


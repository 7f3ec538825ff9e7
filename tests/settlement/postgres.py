"""A throwaway PostgreSQL server for tests: initdb into a temporary folder, a Unix socket there, no TCP, trust auth.

`make install` installs the server (Debian's postgresql) when it is missing. As root, initdb refuses to run, so the
cluster is made and run as the `postgres` system user (runuser), with the folder handed to it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _binary(name: str) -> str:
    """`name` from PATH, else from the newest Debian PostgreSQL (its binaries are not on PATH by default)."""
    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    found = shutil.which(name) or (str(debian[-1]) if debian else None)
    assert found, f"PostgreSQL's {name} is missing: `make install` installs it (apt-get install postgresql)"
    return found


def _runuser() -> str:
    """runuser lives in /usr/sbin or /sbin, which a minimal PATH (CI's) may leave out."""
    found = shutil.which("runuser", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    assert found, "runuser (util-linux) is missing: it runs the test PostgreSQL cluster as the postgres user"
    return found


class PostgresServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.socket = root / "socket"
        self.port = 5433
        self._as_root = os.geteuid() == 0
        self.socket.mkdir(parents=True)
        if self._as_root:
            shutil.chown(root, "postgres")
            shutil.chown(self.socket, "postgres")
        self._run(_binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-p {self.port} -k {self.socket} -c listen_addresses='' -c fsync=on"
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(root / "log"), "-w", "start")
        self._databases = 0

    def _run(self, *command: str) -> None:
        prefix = [_runuser(), "-u", "postgres", "--"] if self._as_root else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket}&port={self.port}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")  # type: ignore[call-overload]  # a generated identifier
        return self.url(name)

    def stop(self) -> None:
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")


@contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (Unix socket in a temporary folder) until the block ends. Not under pytest's tmp_path:
    that is private to root, and the server runs as the postgres user when the tests run as root."""
    root = Path(tempfile.mkdtemp(prefix="strikeforge-pg-"))
    root.chmod(0o755)
    server = PostgresServer(root / "cluster")
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

"""A throwaway PostgreSQL server for the tests (`make test-pg`) and for trying the app on PostgreSQL.

`start()` runs Debian's `initdb` and `pg_ctl` on a new temporary data directory and serves on a
unix socket inside it (no TCP port is opened); `stop()` stops the server and removes the directory.
PostgreSQL refuses to run as root, so under root the server runs as an unprivileged system user
(`postgres` if the package created it, else `kematch-pg`, created here) that owns the directory.

    python -m tools.pg_server run -- python -m pytest tests/backend   # KEMATCH_DATABASE_URL set for the command

Durability is off (fsync, synchronous_commit): the data is thrown away anyway, and it is faster.
"""

import argparse
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DB_USER = "kematch"
DB_NAME = "kematch"
PORT = 5432  # only names the socket file; nothing listens on TCP
FALLBACK_USER = "kematch-pg"
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    # A deployment in China runs its server in local time: the app must not depend on the server zone.
    "timezone": "Asia/Shanghai",
}


class PgServerError(RuntimeError):
    """The server could not be set up or started."""


def bindir() -> Path:
    """The directory holding initdb and pg_ctl (pg_config's, else the newest under /usr/lib/postgresql)."""
    candidates: list[str] = []
    if os.environ.get("KEMATCH_PG_BINDIR"):
        candidates.append(os.environ["KEMATCH_PG_BINDIR"])
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    raise PgServerError("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")


def _version(path: str) -> int:
    part = Path(path).parent.name
    return int(part) if part.isdigit() else 0


def _server_user() -> str | None:
    """The user the server runs as: None (this one) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER], check=True
    )
    return FALLBACK_USER


@dataclass
class PgServer:
    """A running server: its directory, the user it runs as, and the URLs that reach it."""

    root: Path
    user: str | None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str = DB_NAME) -> str:
        """The SQLAlchemy URL of one database on this server."""
        return f"postgresql+psycopg://{DB_USER}@/{database}?host={self.socket_dir}&port={PORT}"

    def conninfo(self, database: str = "postgres") -> str:
        """The libpq connection string of one database (for psycopg directly)."""
        return f"host={self.socket_dir} port={PORT} user={DB_USER} dbname={database}"

    def _run(self, *cmd: str | Path) -> subprocess.CompletedProcess[str]:
        args = [str(c) for c in cmd]
        if self.user is not None:
            args = ["runuser", "-u", self.user, "--", *args]
        return subprocess.run(args, capture_output=True, text=True, check=False)

    def create_database(self, name: str) -> str:
        """Create an empty database `name` (UTF-8) and return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast: nothing is kept) and remove its directory."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run(bindir() / "pg_ctl", "-D", self.data_dir, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def start(parent: Path | None = None) -> PgServer:
    """A new server on a new temporary directory, with an empty database `kematch`."""
    bins = bindir()
    root = Path(tempfile.mkdtemp(prefix="kematch-pg-", dir=parent))
    server = PgServer(root=root, user=_server_user())
    server.socket_dir.mkdir()
    if server.user is not None:
        entry = pwd.getpwnam(server.user)
        for path in (root, server.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    try:
        init = server._run(
            bins / "initdb", "-D", server.data_dir, "-U", DB_USER, "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        if init.returncode != 0:
            raise PgServerError(f"initdb failed:\n{init.stdout}{init.stderr}")
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        options += f" -c unix_socket_directories={server.socket_dir} -p {PORT}"
        started = server._run(
            bins / "pg_ctl", "-D", server.data_dir, "-l", root / "server.log", "-o", options, "-w", "-t", "60",
            "start",
        )  # fmt: skip
        if started.returncode != 0:
            log = (root / "server.log").read_text(errors="replace") if (root / "server.log").exists() else ""
            raise PgServerError(f"pg_ctl start failed:\n{started.stdout}{started.stderr}\n{log}")
        _wait_ready(server)
        server.create_database(DB_NAME)
    except BaseException:
        server.stop()
        raise
    return server


def watch(server: PgServer, owner_pid: int) -> None:
    """Stop `server` once process `owner_pid` is gone, however it ended (SIGKILL and timeouts included)."""
    subprocess.Popen(
        [sys.executable, "-m", "tools.pg_server", "watch", str(owner_pid), str(server.root)],
        cwd=Path(__file__).resolve().parent.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _watch_loop(owner_pid: int, root: Path) -> None:
    while True:
        try:
            os.kill(owner_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(1)
    if root.is_dir():
        server = PgServer(root=root, user=_server_user())
        server.stop()


def _wait_ready(server: PgServer, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.conninfo(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a command against a throwaway PostgreSQL server.")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="start a server, run the command with KEMATCH_DATABASE_URL set, stop it")
    run.add_argument("command", nargs=argparse.REMAINDER)
    guard = sub.add_parser("watch", help="stop the server in ROOT once process PID has ended")
    guard.add_argument("pid", type=int)
    guard.add_argument("root", type=Path)
    args = parser.parse_args(argv)
    if args.action == "watch":
        _watch_loop(args.pid, args.root)
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    server = start()
    print(f"PostgreSQL on {server.socket_dir} ({server.url()})", flush=True)
    try:
        env = os.environ | {"KEMATCH_DATABASE_URL": server.url(), "KEMATCH_TEST_DATABASE": "postgresql"}
        return subprocess.call(command, env=env)
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())

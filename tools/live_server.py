"""A live KeMatch server on the demo data, in a subprocess: for the browser tests, screenshots, page benchmarks.

Each start builds a fresh database in a temporary folder (`alembic upgrade head`, then
`python -m backend.demo.load`, which also builds the index with the real model), and serves
it with uvicorn on a free local port. Nothing outside that folder is written.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "Demo@2026"
DEMO_LOGINS = {
    "enterprise": "qiye@demo.kematch.cn",
    "researcher": "keyan@demo.kematch.cn",
    "operator": "yunying@demo.kematch.cn",
}
CHROMIUM = os.environ.get("KEMATCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(workdir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of every step: settings pointing into `workdir` (the database there too,
    unless `database_url` names an empty one elsewhere), matching on, no network."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEMATCH_")}
    env.update(
        KEMATCH_DATABASE_URL=database_url or f"sqlite:///{workdir / 'kematch.db'}",
        KEMATCH_INDEX_DIR=str(workdir / "index"),
        KEMATCH_DATA_DIR=str(workdir),
        KEMATCH_MATCHING_ENABLED="true",
        KEMATCH_REVIEW_POSTINGS="true",
        KEMATCH_ENVIRONMENT="development",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    if "KEMATCH_MODEL_DIR" in os.environ:
        env["KEMATCH_MODEL_DIR"] = os.environ["KEMATCH_MODEL_DIR"]
    return env


@dataclass
class LiveServer:
    """A running server; `stop()` ends it and removes its folder (unless `keep`)."""

    url: str
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    keep: bool = False
    timings: dict[str, float] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        log = self.workdir / "server.log"
        return log.read_text(encoding="utf-8", errors="replace")[-chars:] if log.exists() else ""


def _run_step(args: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=out)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{tail}")


def _wait_ready(server: LiveServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process is not None
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited ({server.process.returncode}):\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{server.log_tail()}")


def start_demo_server(
    *, keep: bool = False, timeout: float = 600, database_url: str | None = None
) -> LiveServer:
    """Migrate a fresh database, load the demo data, start uvicorn; returns once /healthz answers."""
    workdir = Path(tempfile.mkdtemp(prefix="kematch-live-"))
    env = server_env(workdir, database_url)
    log = workdir / "server.log"
    server = LiveServer(url="", workdir=workdir, keep=keep)
    started = time.monotonic()
    _run_step(["-m", "alembic", "upgrade", "head"], env, log)
    _run_step(["-m", "backend.demo.load"], env, log)
    server.timings["demo_load_s"] = time.monotonic() - started
    port = free_port()
    server.url = f"http://127.0.0.1:{port}"
    env["KEMATCH_PUBLIC_URL"] = server.url  # the links in emails (outbox.jsonl) lead back here
    with log.open("ab") as out:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "backend.main:app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    _wait_ready(server, timeout)
    server.timings["ready_s"] = time.monotonic() - started
    return server


def existing_or_new_server(database_url: str | None = None) -> LiveServer:
    """The server at $KEMATCH_LIVE_URL when set (a developer's running demo), else a fresh one
    (on `database_url`, an empty database, when given)."""
    url = os.environ.get("KEMATCH_LIVE_URL", "").rstrip("/")
    if url:
        return LiveServer(url=url, workdir=Path(tempfile.gettempdir()), keep=True)
    return start_demo_server(database_url=database_url)

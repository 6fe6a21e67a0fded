"""Load test against a local server: `python -m tools.loadtest [--users 50 --duration 60]`.

Without --url it prepares its own site under --workdir (migrations and the demo data, once),
starts uvicorn on 127.0.0.1 with that site, runs the load, and stops the server.
`--database postgresql` puts the site on a throwaway PostgreSQL server (tools.pg_server) instead
of SQLite; `--workers 1,2,4` runs the same load against 1, then 2, then 4 uvicorn worker
processes and prints throughput and p95 side by side. Virtual users
(each logged in once, with its own cookies) browse pages (home, lists with filters, detail
pages with their match cards), search (/api/search), and post: enterprise and researcher
users create drafts through the API and submit them for review, operators approve what waits
in /api/ops/reviews. Every response must be the expected status: anything else is an error.
"""

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Demo@2026"
LOGINS = {
    "enterprise": "qiye@demo.kematch.cn",
    "researcher": "keyan@demo.kematch.cn",
    "operator": "yunying@demo.kematch.cn",
}
FIELDS = ["electronic_info", "biomedicine", "new_materials", "new_energy", "advanced_manufacturing"]
REGIONS = ["湖北省", "浙江省", "广东省", "江苏省"]
QUERIES = [
    "发酵染菌",
    "电池低温性能",
    "机器视觉缺陷检测",
    "可降解塑料",
    "单抗纯化",
    "污水处理 脱氮",
    "小麦育种",
    "碳化硅功率器件",
    "浙大 高分子",
    "想找能把废旧电池回收的团队",
]


@dataclass
class Stats:
    """Latencies and failures per request kind."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    conflicts: int = 0  # 409 on approve: another operator decided first (expected, not an error)
    browsing_s: float = 0.0  # from the first user's start (after the logins) to the last request

    def record(self, kind: str, seconds: float, problem: str | None) -> None:
        self.latencies[kind].append(seconds)
        if problem:
            self.errors[kind].append(problem)


class User:
    """One virtual user: a role, its own cookie jar, and the ids it has seen."""

    def __init__(self, *, n: int, role: str, base: str, stats: Stats, ids: dict[str, list[int]]) -> None:
        self.n, self.role, self.stats, self.ids = n, role, stats, ids
        self.client = httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False)
        self.rng = random.Random(n)

    async def call(
        self, kind: str, method: str, url: str, expect: tuple[int, ...] = (200,), **kw: Any
    ) -> Any:
        started = time.perf_counter()
        problem = None
        response = None
        try:
            response = await self.client.request(method, url, **kw)
            if response.status_code == 409 and kind == "approve":
                self.stats.conflicts += 1
            elif response.status_code not in expect:
                problem = f"{method} {url} -> {response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            problem = f"{method} {url} -> {type(exc).__name__} {exc}"
        self.stats.record(kind, time.perf_counter() - started, problem)
        return response

    async def login(self) -> None:
        if self.role != "visitor":
            body = {"email": LOGINS[self.role], "password": PASSWORD}
            await self.call("login", "POST", "/api/auth/login", json=body)

    # --- actions ---------------------------------------------------------------
    async def home(self) -> None:
        await self.call("page: home", "GET", "/")

    async def lists(self) -> None:
        path = self.rng.choice(["/needs", "/results"])
        params = {"field": self.rng.choice(FIELDS)} if self.rng.random() < 0.5 else {}
        if self.rng.random() < 0.3:
            params["region"] = self.rng.choice(REGIONS)
        if self.rng.random() < 0.2:
            params["q"] = self.rng.choice(QUERIES)[:4]
        await self.call("page: list", "GET", path, params=params)

    async def detail(self) -> None:
        side = self.rng.choice(["needs", "results"])
        item = self.rng.choice(self.ids[side])
        await self.call("page: detail + matches", "GET", f"/{side}/{item}")

    async def matches_api(self) -> None:
        side = self.rng.choice(["needs", "results"])
        await self.call("api: matches", "GET", f"/api/{side}/{self.rng.choice(self.ids[side])}/matches")

    async def search(self) -> None:
        params = {"q": self.rng.choice(QUERIES), "side": self.rng.choice(["need", "result"])}
        await self.call("api: search", "GET", "/api/search", params=params)

    async def post(self) -> None:
        tag = f"压测{self.n}-{self.rng.randrange(10**6)}"
        if self.role == "enterprise":
            body, path = _need(tag), "/api/needs"
        else:
            body, path = _result(tag), "/api/results"
        created = await self.call("api: create draft", "POST", path, expect=(201,), json=body)
        if created is not None and created.status_code == 201:
            await self.call("api: submit", "POST", f"{path}/{created.json()['id']}/publish")

    async def review(self) -> None:
        queue = await self.call("api: review queue", "GET", "/api/ops/reviews")
        if queue is None or queue.status_code != 200:
            return
        mine = [i for i in queue.json()["items"] if i["id"] % 5 == self.n % 5 and "压测" in i["title"]]
        for item in mine[:3]:
            url = f"/api/ops/reviews/{item['kind']}/{item['id']}/approve"
            await self.call("approve", "POST", url, json={"version": item["version"]})

    def actions(self) -> list[tuple[Callable[[], Awaitable[None]], int]]:
        browse: list[tuple[Callable[[], Awaitable[None]], int]]
        browse = [(self.home, 2), (self.lists, 4), (self.detail, 4), (self.matches_api, 1), (self.search, 3)]
        if self.role in ("enterprise", "researcher"):
            return [*browse, (self.post, 2)]
        if self.role == "operator":
            return [*browse, (self.review, 4)]
        return browse

    async def run(self, until: float, think: tuple[float, float]) -> None:
        actions = self.actions()
        funcs, weights = [a for a, _ in actions], [w for _, w in actions]
        while time.monotonic() < until:
            await self.rng.choices(funcs, weights)[0]()
            await asyncio.sleep(self.rng.uniform(*think))
        await self.client.aclose()


def _valid_until() -> str:
    return (date.today() + timedelta(days=90)).isoformat()


def _need(tag: str) -> dict[str, Any]:
    return {
        "title": f"发酵罐批次差异大、容易染菌（{tag}）",
        "problem": "我们厂的发酵罐批次之间差异大，老是染菌，想找能解决的团队，提高批次稳定性。",
        "indicators": "染菌率低于 1%，批次产量波动小于 5%",
        "field": "biomedicine",
        "keywords": ["发酵", "染菌"],
        "region": "湖北省",
        "budget_negotiable": True,
        "trl_wanted": 6,
        "modes": ["joint_development"],
        "valid_until": _valid_until(),
        "confidentiality": "public",
        "contact_name": "张伟",
        "contact_phone": "13871234567",
        "contact_email": "zhang@example.cn",
    }


def _result(tag: str) -> dict[str, Any]:
    return {
        "title": f"发酵过程在线监测与智能补料控制（{tag}）",
        "summary": "采用在线拉曼光谱与软测量模型实时监测发酵过程关键参数，结合自适应补料控制，降低批次间差异。",
        "advantages": "批次间产量变异系数由 12% 降至 3%",
        "field": "biomedicine",
        "keywords": ["发酵过程控制"],
        "team": "李明教授团队",
        "form": "trade_secret",
        "trl": 5,
        "modes": ["joint_development"],
        "price_negotiable": True,
        "region": "湖北省",
        "contact_name": "李明",
        "contact_phone": "027-87541234",
        "contact_email": "liming@example.edu.cn",
    }


# --- the run -------------------------------------------------------------------------------
async def _ids(base: str) -> dict[str, list[int]]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        found = {}
        for side in ("needs", "results"):
            page = (await client.get(f"/api/{side}", params={"limit": 100})).json()
            found[side] = [item["id"] for item in page["items"]]
        return found


def roles(users: int) -> list[str]:
    """40% visitors, 30% enterprise, 20% researchers, 10% operators (at least one each)."""
    shares = {"enterprise": 0.3, "researcher": 0.2, "operator": 0.1}
    counts = {role: max(1, round(users * share)) for role, share in shares.items()}
    return [r for role, c in counts.items() for r in [role] * c] + ["visitor"] * max(
        0, users - sum(counts.values())
    )


async def _load(base: str, users: int, duration: float, ramp: float, think: tuple[float, float]) -> Stats:
    stats = Stats()
    ids = await _ids(base)
    crowd = [User(n=n, role=role, base=base, stats=stats, ids=ids) for n, role in enumerate(roles(users))]
    for user in crowd:  # each virtual user logs in once (the login throttle counts failures only)
        await user.login()
    began = time.monotonic()
    until = began + ramp + duration

    async def start(user: User, delay: float) -> None:
        await asyncio.sleep(delay)
        await user.run(until, think)

    await asyncio.gather(*(start(u, ramp * i / len(crowd)) for i, u in enumerate(crowd)))
    stats.browsing_s = time.monotonic() - began
    return stats


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(stats: Stats, *, seconds: float, users: int, loads: list[float]) -> str:
    """A Markdown table: requests, throughput, p50/p95/max latency and errors per kind."""
    total = sum(len(v) for v in stats.latencies.values())
    errors = sum(len(v) for v in stats.errors.values())
    lines = [
        f"{users} virtual users, {seconds:.0f} s: {total} requests, {total / seconds:.1f} req/s, "
        f"{errors} errors, {stats.conflicts} approve conflicts (409, another operator first). "
        f"Load average during the run: mean {statistics.fmean(loads):.1f}, max {max(loads):.1f}.",
        "",
        "| request | count | p50 ms | p95 ms | max ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in sorted(stats.latencies):
        ms = [s * 1000 for s in stats.latencies[kind]]
        lines.append(
            f"| {kind} | {len(ms)} | {_percentile(ms, 0.5):.0f} | {_percentile(ms, 0.95):.0f} | "
            f"{max(ms):.0f} | {len(stats.errors.get(kind, []))} |"
        )
    for kind, problems in stats.errors.items():
        lines += ["", f"Errors of {kind} (first 5):", *[f"- {p}" for p in problems[:5]]]
    return "\n".join(lines)


def _prepare(workdir: Path, database_url: str | None = None) -> dict[str, str]:
    env = os.environ | {
        "KEMATCH_DATABASE_URL": database_url or f"sqlite:///{workdir / 'kematch.db'}",
        "KEMATCH_INDEX_DIR": str(workdir / "index"),
        "KEMATCH_DATA_DIR": str(workdir),
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    marker = workdir / ("kematch.db" if database_url is None else ".prepared")
    if not marker.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"preparing the demo site in {workdir} …", flush=True)
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True)
        subprocess.run([sys.executable, "-m", "backend.demo.load"], cwd=ROOT, env=env, check=True)
        if database_url is not None:
            marker.touch()
    return env


async def _wait_up(base: str, server: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit("the server exited during start-up")
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the server did not start in time")


async def _sample_load(loads: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        loads.append(os.getloadavg()[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 5)


def _start_server(args: argparse.Namespace, env: dict[str, str], workers: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
    ]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    log = (args.workdir / f"server-{workers}.log").open("wb")
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


async def _measure(args: argparse.Namespace, base: str) -> tuple[Stats, float, list[float]]:
    if not base.startswith(("http://127.0.0.1", "http://localhost")):
        raise SystemExit("load tests run against a local server only")
    loads: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.create_task(_sample_load(loads, stop))
    started = time.monotonic()
    stats = await _load(base, args.users, args.duration, args.ramp, (args.think_min, args.think_max))
    seconds = time.monotonic() - started
    stop.set()
    await sampler
    return stats, seconds, loads


async def _all_started(log: Path, workers: int, timeout: float = 600) -> None:
    """Wait until every worker process has finished its start-up (model, index), not just the first:
    otherwise the first seconds of the load would compete with the others' loading."""
    deadline = time.monotonic() + timeout
    while log.read_text(errors="replace").count("Application startup complete") < workers:
        if time.monotonic() > deadline:
            raise SystemExit(f"not all {workers} workers started in time")
        await asyncio.sleep(0.5)


async def _run_once(
    args: argparse.Namespace, env: dict[str, str] | None, workers: int
) -> tuple[Stats, float, list[float]]:
    """The load against a server of `workers` processes (started here unless --url)."""
    if env is None:
        return await _measure(args, args.url)
    base = f"http://127.0.0.1:{args.port}"
    server = _start_server(args, env, workers)
    try:
        await _wait_up(base, server)
        await _all_started(args.workdir / f"server-{workers}.log", workers)
        return await _measure(args, base)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()


def side_by_side(runs: list[tuple[int, Stats, list[float]]]) -> str:
    """One row per worker count, over the browsing phase (the logins before it left out): requests,
    throughput, p50 / p95 of every request, errors, and the machine's load average meanwhile."""
    lines = [
        "| workers | requests | req/s | p50 ms | p95 ms | errors | load avg (mean / max) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for workers, stats, loads in runs:
        ms = [s * 1000 for kind, values in stats.latencies.items() if kind != "login" for s in values]
        errors = sum(len(v) for v in stats.errors.values())
        lines.append(
            f"| {workers} | {len(ms)} | {len(ms) / stats.browsing_s:.1f} | {_percentile(ms, 0.5):.0f} | "
            f"{_percentile(ms, 0.95):.0f} | {errors} | {statistics.fmean(loads):.1f} / {max(loads):.1f} |"
        )
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    counts = [int(n) for n in str(args.workers).split(",") if n.strip()]
    pg = None
    env = None
    if args.url is None:
        database_url = None
        if args.database == "postgresql":
            from tools import pg_server

            pg = pg_server.start()
            database_url = pg.url()
        env = _prepare(args.workdir, database_url)
    runs: list[tuple[int, Stats, list[float]]] = []
    try:
        for workers in counts:
            print(f"--- {workers} worker(s), {args.database} ---", flush=True)
            stats, seconds, loads = await _run_once(args, env, workers)
            print(report(stats, seconds=seconds, users=args.users, loads=loads), flush=True)
            runs.append((workers, stats, loads))
    finally:
        if pg is not None:
            pg.stop()
    if len(runs) > 1:
        print("\n" + side_by_side(runs))
    return 1 if any(stats.errors.values() for _, stats, _ in runs) else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="a running local server (default: start one on the demo site)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/kematch-loadtest"))
    parser.add_argument("--fresh", action="store_true", help="rebuild the demo site under --workdir first")
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds at full load, after the ramp")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which users start")
    parser.add_argument("--think-min", type=float, default=0.5)
    parser.add_argument("--think-max", type=float, default=1.5)
    parser.add_argument("--workers", default="1", help="uvicorn worker processes, e.g. 1,2,4 (one run each)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    if args.database == "postgresql" and args.url is None:
        args.fresh = True  # the throwaway server starts empty: the site is prepared again
    if args.fresh:
        shutil.rmtree(args.workdir, ignore_errors=True)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())

"""Page latency on the demo data: `python -m tools.bench_pages [-n 30]` (`make bench-pages`).

Starts a fresh demo server (or uses $KEMATCH_LIVE_URL), logs in as each role, requests every
server-rendered page a few times to warm up and then N times each, round-robin (so a burst of
load elsewhere on the machine spreads over all pages), and writes docs/page-benchmarks.md with
p50/p95 per page and overall. Times are wall-clock at the client: the full HTML response over
a local socket. The issue's target is p95 < 300 ms.
"""

import argparse
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from tools.live_server import DEMO_LOGINS, DEMO_PASSWORD, LiveServer, existing_or_new_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "page-benchmarks.md"
TARGET_MS = 300.0
WARMUP = 3


@dataclass
class PageCase:
    """One page as one role sees it."""

    name: str
    role: str | None
    path: str
    samples: list[float] = field(default_factory=list)  # milliseconds


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def _client(base_url: str, role: str | None) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=60, follow_redirects=False)
    if role:
        resp = client.post(
            "/login", data={"email": DEMO_LOGINS[role], "password": DEMO_PASSWORD, "next": "/"}
        )
        if resp.status_code != 303:
            raise RuntimeError(f"login as {role} failed: {resp.status_code}")
    return client


def _first_id(client: httpx.Client, path: str, kind: str) -> int:
    html = client.get(path).text
    found = re.search(rf'<h3><a href="/{kind}/(\d+)">', html)
    if not found:
        raise RuntimeError(f"no {kind} listed at {path}")
    return int(found.group(1))


def _pairing_id(client: httpx.Client) -> int | None:
    found = re.search(r'href="/pairings/(\d+)"', client.get("/workspace").text)
    return int(found.group(1)) if found else None


def cases(clients: dict[str | None, httpx.Client]) -> list[PageCase]:
    """The pages to time, with ids taken from the demo data."""
    anon, ent, res = clients[None], clients["enterprise"], clients["researcher"]
    own_need = _first_id(ent, "/needs?mine=1&status=published", "needs")
    own_result = _first_id(res, "/results?mine=1&status=published", "results")
    public_need = _first_id(anon, "/needs", "needs")
    public_result = _first_id(anon, "/results", "results")
    out = [
        PageCase("home `/`", None, "/"),
        PageCase("needs list", None, "/needs"),
        PageCase("needs list, field + TRL filter", None, "/needs?field=biomedicine&trl_min=4"),
        PageCase("results list, search 发酵", None, "/results?q=发酵"),
        PageCase("results list, field + mode filter", None, "/results?field=new_materials&mode=transfer"),
        PageCase("need detail + matches (anonymous)", None, f"/needs/{public_need}"),
        PageCase("need detail + matches (owner, interest forms)", "enterprise", f"/needs/{own_need}"),
        PageCase("result detail + matches (anonymous)", None, f"/results/{public_result}"),
        PageCase("result detail + matches (owner, interest forms)", "researcher", f"/results/{own_result}"),
        PageCase("workspace (enterprise)", "enterprise", "/workspace"),
        PageCase("workspace (researcher)", "researcher", "/workspace"),
        PageCase("notifications (enterprise)", "enterprise", "/notifications"),
        PageCase("ops reviews", "operator", "/ops/reviews"),
        PageCase("ops pairings (queue + suggestions)", "operator", "/ops/pairings"),
        PageCase("ops dashboard", "operator", "/ops/dashboard"),
        PageCase("ops import", "operator", "/ops/import"),
        PageCase("need form", "enterprise", "/needs/new"),
        PageCase("login", None, "/login"),
    ]
    pairing = _pairing_id(ent)
    if pairing:
        out.insert(12, PageCase("pairing page (party)", "enterprise", f"/pairings/{pairing}"))
    return out


def run(clients: dict[str | None, httpx.Client], pages: list[PageCase], n: int) -> None:
    """Warm up, then time every page n times, round-robin."""
    for _ in range(WARMUP):
        for case in pages:
            _get(clients[case.role], case)
    for _ in range(n):
        for case in pages:
            case.samples.append(_get(clients[case.role], case))


def _get(client: httpx.Client, case: PageCase) -> float:
    started = time.perf_counter()
    resp = client.get(case.path)
    elapsed = (time.perf_counter() - started) * 1000
    if resp.status_code != 200:
        raise RuntimeError(f"{case.path} as {case.role}: HTTP {resp.status_code}")
    return elapsed


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"


def _shown_path(path: str) -> str:
    """`path` relative to the repository when inside it (.venv/bin/python), else as given."""
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return path


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def report(pages: list[PageCase], n: int, command: str, load: tuple[float, float, float]) -> str:
    """The Markdown report."""
    every = [s for c in pages for s in c.samples]
    misses = [c for c in pages if percentile(c.samples, 95) >= TARGET_MS]
    lines = [
        "# Page latency on the demo data",
        "",
        f"Target (issue): p95 < {TARGET_MS:.0f} ms per server-rendered page. "
        + ("**All pages meet it.**" if not misses else f"**{len(misses)} page(s) miss it** (marked ✗)."),
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit `{_commit()}`",
        f"- Machine: {_machine()}; load average at start {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        " (the machine is shared, so treat single numbers with care)",
        f"- Command: `{command}`",
        f"- Method: fresh demo database (51 needs, 139 results, 12 pairings), one uvicorn worker, real model "
        f"on CPU; {WARMUP} warm-up rounds, then {n} requests per page, round-robin over the pages, "
        "sequential; wall-clock time of the whole HTML response at the client.",
        "",
        "| page | role | path | p50 ms | p95 ms | max ms | p95 < 300 |",
        "|---|---|---|---:|---:|---:|:-:|",
    ]
    for c in pages:
        p95 = percentile(c.samples, 95)
        lines.append(
            f"| {c.name} | {c.role or 'anonymous'} | `{c.path}` | {statistics.median(c.samples):.0f} "
            f"| {p95:.0f} | {max(c.samples):.0f} | {'✓' if p95 < TARGET_MS else '✗'} |"
        )
    lines.append(
        f"| **all pages** | | | **{statistics.median(every):.0f}** | **{percentile(every, 95):.0f}** "
        f"| **{max(every):.0f}** | {'✓' if percentile(every, 95) < TARGET_MS else '✗'} |"
    )
    lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    command = (
        "make bench-pages"
        if os.environ.get("MAKELEVEL")
        else shlex.join([_shown_path(sys.executable), "-m", "tools.bench_pages", *sys.argv[1:]])
    )
    print("starting a demo server (fresh database, real model)…", flush=True)
    server: LiveServer = existing_or_new_server()
    try:
        clients = {role: _client(server.url, role) for role in (None, "enterprise", "researcher", "operator")}
        pages = cases(clients)
        load = os.getloadavg()
        print(f"timing {len(pages)} pages × {args.n} at {server.url}…", flush=True)
        run(clients, pages, args.n)
    finally:
        server.stop()
    text = report(pages, args.n, command, load)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Serve the app: check the database, print where and the demo logins, then run uvicorn.

`KEMATCH_WORKERS=4` runs four worker processes (uvicorn --workers): every worker shares the
database, which holds everything that matters across them (login counts, import jobs, the
vectors and the change feed each worker's index follows). `--check-database` only checks.
"""

import sys

import uvicorn

from backend.config import Settings, get_settings
from backend.db import CONNECT_TIMEOUT_S, connection_problem
from backend.demo.load import DEMO_LOGINS, DEMO_PASSWORD

EXIT_NO_DATABASE = 2
SQLITE_NOTE = (
    "注意：SQLite 上的 {n} 个 worker 共用一个数据库文件：读取可并行，写入逐个进行（最多等待 30 秒），"
    "适合演示和小规模试用；只能在同一台机器上运行（不要把数据库文件放在网络盘上）。"
    "多台机器或更高负载请使用 PostgreSQL（KEMATCH_DATABASE_URL=postgresql+psycopg://…）。\n"
    "Note: {n} workers on SQLite share one file: reads run in parallel, writes one at a time; fine "
    "for a demo or a small trial, on one machine only. Use PostgreSQL beyond that."
)


def _redacted(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def check_database(settings: Settings) -> None:
    """Exit with EXIT_NO_DATABASE and a clear message (Chinese and English) if the database is unreachable."""
    problem = connection_problem(settings.database_url)
    if problem is None:
        return
    url = _redacted(settings.database_url)
    print(
        f"无法连接数据库：{url}\n原因：{problem}\n"
        f"请确认数据库服务已启动、地址和账号正确（KEMATCH_DATABASE_URL），然后重试。\n"
        f"Cannot connect to the database {url} (waited at most {CONNECT_TIMEOUT_S} s): {problem}\n"
        "Check that the server is running and that KEMATCH_DATABASE_URL is right, then try again.",
        file=sys.stderr,
    )
    raise SystemExit(EXIT_NO_DATABASE)


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    check_database(settings)
    if "--check-database" in (argv if argv is not None else sys.argv[1:]):
        return
    url = f"http://{settings.host}:{settings.port}"
    print("\n科创撮合 KeMatch 已启动：" + url)
    print("演示账号（密码均为 " + DEMO_PASSWORD + "）：")
    for login in DEMO_LOGINS:
        print(f"  {login['role']:<11} {login['email']}")
    if settings.workers > 1:
        print(f"{settings.workers} 个 worker 进程 / {settings.workers} worker processes")
        if settings.database_url.startswith("sqlite"):
            print(SQLITE_NOTE.format(n=settings.workers))
    print()
    uvicorn.run(
        "backend.main:app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        # Behind a reverse proxy: the client's address (login throttle, logs) from X-Forwarded-For,
        # trusted only from the proxies named here.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )


if __name__ == "__main__":
    main()

"""`tools.backup` on the run's database: SQLite's online snapshot, or `pg_dump` / `pg_restore` under
`make test-pg`; a restore brings back every row exactly as at backup time."""

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from backend.db import get_engine
from tests.faults.conftest import ROOT, Site
from tests.faults.corpus import seed


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the site's database, in a stable order."""
    engine = get_engine()
    tables = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            t: sorted((tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
            for t in tables
        }


def _backup_tool(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.backup", *args, "--run"],
        cwd=ROOT,
        env=site.child_env(),
        capture_output=True,
        text=True,
        check=False,
    )


def test_backup_and_restore_round_trip(site: Site, tmp_path: Path) -> None:
    with site.session() as db:
        seed(db)
    out = tmp_path / "backups"
    at_backup = dump()
    made = _backup_tool(site, "backup", "--dir", str(out))
    assert made.returncode == 0, made.stderr
    (snapshot,) = [p for p in out.glob("kematch-*") if not p.name.endswith(".files.tar")]  # the database

    with get_engine().begin() as conn:  # changes after the backup: edits and deletions
        conn.execute(text("UPDATE need SET title = '备份之后的修改'"))
        conn.execute(text("DELETE FROM audit_entry"))
    assert dump() != at_backup

    get_engine().dispose()  # no pooled connection in the way of the restore
    restored = _backup_tool(site, "restore", str(snapshot), "--dir", str(out))
    assert restored.returncode == 0, restored.stderr
    get_engine().dispose()
    assert dump() == at_backup

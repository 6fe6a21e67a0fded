"""Backup and restore round trip: every table exactly as at backup time; bad files refused."""

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.embeddings.kit import FakeEncoder
from tests.factories import login
from tests.faults.conftest import ROOT, Server, Site
from tests.faults.corpus import SOLVER, ranked_result_ids, seed
from tools.backup import BackupError, backup_sqlite, check_backup, restore_sqlite


@pytest.fixture
def site_url(tmp_path: Path) -> str:
    """A SQLite site on every run: `tools.backup` snapshots a SQLite file here (on PostgreSQL a
    backup is `pg_dump`, see docs/deploy.md), whichever database the rest of the run uses."""
    return f"sqlite:///{tmp_path / 'kematch.db'}"


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
        ]
        return {t: sorted(conn.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}
    finally:
        conn.close()


def _sign_in(client: Any, site: Site, user_id: int) -> None:
    from backend.accounts.models import User

    with site.session() as db:
        user = db.get(User, user_id)
        assert user is not None
    login(client, user)


def test_round_trip_restores_every_row_and_the_index_follows(
    site: Site, server: Server, tmp_path: Path
) -> None:
    with site.session() as db:
        s = seed(db)
    out = tmp_path / "backups"
    with server(FakeEncoder()) as client:
        _sign_in(client, site, s.operator_id)
        ranked_before = ranked_result_ids(client, s.need_id)
        # A writer is in the middle of a transaction: the snapshot holds only committed data.
        other = sqlite3.connect(site.db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE need SET title = '未提交的修改'")
        at_backup = dump(site.db_path)  # reads the committed state (WAL)
        snapshot = backup_sqlite(database=site.db_path, out_dir=out)
        other.execute("COMMIT")  # ...which lands after the snapshot
        other.close()

        # Changes after the backup: edits, deletions, new rows in several tables.
        assert client.post(f"/api/results/{s.solver_id}/close", json={"note": "已转让"}).status_code == 200
        newer = client.post("/api/results?publish=true", json=_result(title="备份之后发布的成果"))
        assert newer.status_code == 201
        assert client.delete(f"/api/results/{s.other_ids[0]}").status_code == 204
        assert s.solver_id not in ranked_result_ids(client, s.need_id)
    before_restore = dump(site.db_path)
    assert before_restore != at_backup

    assert snapshot.name.startswith("kematch-") and snapshot.suffix == ".db"
    assert dump(snapshot) == at_backup
    kept = restore_sqlite(backup=snapshot, database=site.db_path, out_dir=out)
    assert dump(site.db_path) == at_backup  # exactly as at backup time, every table
    assert kept is not None and dump(kept) == before_restore  # the replaced data is kept

    with server(FakeEncoder()) as client:  # the next start re-syncs the index with the restored data
        assert ranked_result_ids(client, s.need_id) == ranked_before


def _result(**overrides: Any) -> dict[str, Any]:
    from tests.factories import result_data

    return result_data(**(SOLVER | overrides))


def _not_kematch(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()
    return path


def _unknown_revision(site: Site, tmp_path: Path) -> Path:
    path = backup_sqlite(database=site.db_path, out_dir=tmp_path / "x")
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    conn.commit()
    conn.close()
    return path


def _truncated(site: Site, tmp_path: Path) -> Path:
    good = backup_sqlite(database=site.db_path, out_dir=tmp_path / "y")
    path = tmp_path / "truncated.db"
    path.write_bytes(good.read_bytes()[:5000])
    return path


@pytest.mark.parametrize("bad", ["missing", "text file", "other sqlite db", "unknown revision", "truncated"])
def test_restore_refuses_what_is_not_a_kematch_backup(bad: str, site: Site, tmp_path: Path) -> None:
    with site.session() as db:
        seed(db)
    path = {
        "missing": lambda: tmp_path / "nope.db",
        "text file": lambda: _write(tmp_path / "notes.db", b"just some text, not a database"),
        "other sqlite db": lambda: _not_kematch(tmp_path),
        "unknown revision": lambda: _unknown_revision(site, tmp_path),
        "truncated": lambda: _truncated(site, tmp_path),
    }[bad]()
    before = dump(site.db_path)
    out = tmp_path / "backups"
    with pytest.raises(BackupError) as refused:
        restore_sqlite(backup=path, database=site.db_path, out_dir=out)
    assert str(refused.value)  # a message for the operator
    assert dump(site.db_path) == before
    assert not out.exists()  # refused before anything was touched


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_make_targets_run_the_commands(site: Site, tmp_path: Path) -> None:
    with site.session() as db:
        seed(db)
    out = tmp_path / "cli"
    env = site.child_env()
    made = subprocess.run(
        [sys.executable, "-m", "tools.backup", "backup", "--dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    (snapshot,) = out.glob("kematch-*.db")
    assert str(snapshot) in made.stdout and check_backup(snapshot)
    refused = subprocess.run(
        [sys.executable, "-m", "tools.backup", "restore", str(_not_kematch(tmp_path)), "--dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "不是 KeMatch 数据库" in refused.stderr
    restored = subprocess.run(
        [sys.executable, "-m", "tools.backup", "restore", str(snapshot), "--dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "已从" in restored.stdout and len(list(out.glob("kematch-before-restore-*.db"))) == 1

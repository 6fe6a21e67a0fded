"""Back up and restore the KeMatch database: `python -m tools.backup backup | restore FILE`.

SQLite (the default): `backup` takes a consistent snapshot through SQLite's online backup API,
safe while the app is running and writing (what a plain file copy is not: in WAL mode the
latest commits live in kematch.db-wal). `restore` checks that the file is a KeMatch database
(SQLite, intact, with an alembic_version this code knows), keeps a copy of the current
database, and copies the backup in through the same API.

PostgreSQL: the pg_dump / pg_restore commands are printed, or run with --run.

Attachment files (KEMATCH_FILES_DIR) go into `<backup>.files.tar` beside the snapshot and are
restored with it (`tools/backup_files.py`); the files folder replaced is kept in the backups folder.

The matching index (data/index) is not backed up: it is derived from the database. At start-up
the app syncs it with whatever the database holds (`make index` rebuilds it from scratch), so
after a restore restart the app and the index follows the restored data.
"""

import argparse
import shlex
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from backend.config import get_settings
from tools.backup_files import FilesBackupError, archive_files, archive_for, restore_files

REQUIRED_TABLES = {"alembic_version", "user", "organisation", "need", "result"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator, in Chinese."""


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("内存数据库无法备份")
    return Path(parsed.database)


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _free_name(directory: Path, stem: str, suffix: str) -> Path:
    path, n = directory / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}{suffix}"
    return path


def known_revisions() -> set[str]:
    """Every migration revision of this code base."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    root = Path(__file__).resolve().parent.parent
    return {
        s.revision for s in ScriptDirectory.from_config(Config(str(root / "alembic.ini"))).walk_revisions()
    }


def check_backup(path: Path) -> str:
    """The schema revision of a KeMatch database file; BackupError if it is not one."""
    if not path.is_file():
        raise BackupError(f"文件不存在：{path}")
    with path.open("rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"不是 SQLite 数据库文件：{path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
            raise BackupError(f"数据库文件已损坏：{path}")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if missing := REQUIRED_TABLES - tables:
            raise BackupError(f"不是 KeMatch 数据库（缺少数据表 {', '.join(sorted(missing))}）：{path}")
        revisions = [r[0] for r in conn.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"无法读取数据库文件（{exc}）：{path}") from exc
    finally:
        conn.close()
    if len(revisions) != 1 or revisions[0] not in known_revisions():
        raise BackupError(f"数据库版本 {revisions} 与本程序的迁移不符，不能恢复：{path}")
    return str(revisions[0])


def _copy(source: Path, target: Path) -> None:
    """Copy one SQLite database into another through the online backup API (waits for writers)."""
    src = sqlite3.connect(source, timeout=30)
    dest = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dest)
    finally:
        dest.close()
        src.close()


def backup_sqlite(*, database: Path, out_dir: Path, prefix: str = "kematch") -> Path:
    """A consistent snapshot of `database` as `out_dir/<prefix>-<timestamp>.db`."""
    if not database.is_file():
        raise BackupError(f"数据库文件不存在：{database}")
    out_dir.mkdir(parents=True, exist_ok=True)
    final = _free_name(out_dir, f"{prefix}-{_stamp()}", ".db")
    partial = final.with_name(f".{final.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(database, partial)
        check_backup(partial)
        partial.replace(final)  # a backup file under its real name is always whole
    finally:
        partial.unlink(missing_ok=True)
    return final


def restore_sqlite(*, backup: Path, database: Path, out_dir: Path) -> Path | None:
    """Replace the contents of `database` by `backup`; returns the copy kept of the database before."""
    check_backup(backup)
    kept = None
    if database.is_file():
        kept = backup_sqlite(database=database, out_dir=out_dir, prefix="kematch-before-restore")
    database.parent.mkdir(parents=True, exist_ok=True)
    _copy(backup, database)
    return kept


def _restore_files(backup: Path, files_dir: Path, out_dir: Path) -> str:
    """Restore the attachment files saved with `backup`, if any; what happened, in Chinese."""
    archive = archive_for(backup)
    if not archive.is_file():
        return f"未找到附件备份 {archive}，附件文件保持不变。"
    keep = out_dir / f"files-before-restore-{_stamp()}"
    count = restore_files(archive=archive, files_dir=files_dir, keep_as=keep)
    return f"已恢复 {count} 个附件文件到 {files_dir}（原附件目录已另存为 {keep}）。"


def _pg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["backup", "restore"])
    parser.add_argument("file", nargs="?", help="restore: the backup file")
    parser.add_argument("--dir", type=Path, help="where backups go (default: data/backups)")
    parser.add_argument(
        "--run", action="store_true", help="PostgreSQL: run pg_dump/pg_restore, not just print"
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    out_dir = args.dir or settings.data_dir / "backups"
    if args.action == "restore" and not args.file:
        parser.error("restore needs the backup file: make restore file=data/backups/kematch-….db")
    try:
        database = sqlite_path(settings.database_url)
        if database is None:
            return _postgres(
                args.action,
                settings.database_url,
                out_dir,
                args.file,
                run=args.run,
                files_dir=settings.files_dir,
            )
        if args.action == "backup":
            snapshot = backup_sqlite(database=database, out_dir=out_dir)
            print(f"已备份数据库到 {snapshot}")
            count = archive_files(files_dir=settings.files_dir, target=archive_for(snapshot))
            print(f"已备份 {count} 个附件文件到 {archive_for(snapshot)}")
            print("匹配索引无需备份：应用启动时会按数据库自动重建/同步（也可运行 make index）。")
            return 0
        check_backup(Path(args.file))
        print(_restore_files(Path(args.file), settings.files_dir, out_dir))
        kept = restore_sqlite(backup=Path(args.file), database=database, out_dir=out_dir)
    except (BackupError, FilesBackupError) as exc:
        print(f"失败：{exc}", file=sys.stderr)
        return 1
    if kept is not None:
        print(f"恢复前的数据库已另存为 {kept}")
    print(f"已从 {args.file} 恢复数据库 {database}。")
    print("请重新启动应用：启动时匹配索引会与恢复后的数据同步。")
    return 0


def _postgres(action: str, url: str, out_dir: Path, file: str | None, *, run: bool, files_dir: Path) -> int:
    if action == "backup":
        out_dir.mkdir(parents=True, exist_ok=True)
        target = _free_name(out_dir, f"kematch-{_stamp()}", ".dump")
        cmd = ["pg_dump", "--format=custom", f"--file={target}", _pg_url(url)]
    else:
        cmd = ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_pg_url(url)}", str(file)]
    if not run:
        print("PostgreSQL 数据库：请运行（或加 --run 由本命令执行，附件文件随之备份/恢复）：")
        print("  " + shlex.join(cmd))
        return 0
    code = subprocess.run(cmd, check=False).returncode
    if code == 0 and action == "backup":  # the attachments travel beside the dump, as beside a snapshot
        count = archive_files(files_dir=files_dir, target=archive_for(target))
        print(f"已备份数据库到 {target}")
        print(f"已备份 {count} 个附件文件到 {archive_for(target)}")
    elif code == 0 and file:
        print(_restore_files(Path(file), files_dir, out_dir))
    return code


if __name__ == "__main__":
    sys.exit(main())

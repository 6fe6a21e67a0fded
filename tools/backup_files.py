"""The attachment files in a backup: one tar beside the database snapshot, restored with it.

Files live under generated names (`ab/ab…32 hex….pdf`, see backend/documents/storage.py), so the
archive holds nothing else: a restore refuses any member that is not such a plain file (no links,
no absolute or ../ paths), keeps the current files folder aside, and unpacks into a fresh one.
"""

import re
import shutil
import tarfile
from pathlib import Path

MEMBER = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(?:pdf|png|jpg)$")


class FilesBackupError(Exception):
    """An archive that cannot be restored; the message is for the operator, in Chinese."""


def archive_for(database_backup: Path) -> Path:
    """The files archive that goes with a database backup file."""
    return database_backup.with_name(database_backup.stem + ".files.tar")


def archive_files(*, files_dir: Path, target: Path) -> int:
    """Write every stored attachment file to `target` (a tar); the number of files."""
    partial = target.with_name(f".{target.name}.partial")
    count = 0
    try:
        with tarfile.open(partial, "w") as tar:
            if files_dir.is_dir():
                for path in sorted(files_dir.rglob("*")):
                    name = path.relative_to(files_dir).as_posix()
                    if path.is_file() and MEMBER.match(name):
                        tar.add(path, arcname=name, recursive=False)
                        count += 1
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return count


def restore_files(*, archive: Path, files_dir: Path, keep_as: Path) -> int:
    """Replace `files_dir` by the archive's files; the old folder is moved to `keep_as`."""
    try:
        with tarfile.open(archive, "r") as tar:
            members = tar.getmembers()
            for m in members:
                if not (m.isfile() and MEMBER.match(m.name)):
                    raise FilesBackupError(f"附件备份中有不属于附件的条目 {m.name!r}，不能恢复：{archive}")
            fresh = files_dir.with_name(files_dir.name + ".restoring")
            shutil.rmtree(fresh, ignore_errors=True)
            fresh.mkdir(parents=True)  # an archive of no files restores an empty folder
            tar.extractall(fresh, members=members, filter="data")
    except tarfile.TarError as exc:
        raise FilesBackupError(f"无法读取附件备份（{exc}）：{archive}") from exc
    if files_dir.exists():
        keep_as.parent.mkdir(parents=True, exist_ok=True)
        files_dir.replace(keep_as)
    fresh.replace(files_dir)
    return len(members)

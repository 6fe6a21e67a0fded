"""Attachment files travel with a backup: archived beside the snapshot, restored with it."""

import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.faults.conftest import ROOT, Site
from tools.backup_files import FilesBackupError, archive_files, restore_files

NAME = "ab/ab" + "0" * 30 + ".pdf"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_backup_and_restore_carry_the_attachment_files(site: Site, tmp_path: Path) -> None:
    files_dir = tmp_path / "files"
    (files_dir / "ab").mkdir(parents=True)
    (files_dir / NAME).write_bytes(b"%PDF-1.4 backed up\n")
    out = tmp_path / "cli"
    env = site.child_env() | {"KEMATCH_FILES_DIR": str(files_dir)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tools.backup", *args, "--dir", str(out), "--run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )

    made = run("backup")
    # The database backup (a SQLite snapshot or a pg_dump file) and its files archive beside it.
    (snapshot,) = [p for p in out.glob("kematch-*") if not p.name.endswith(".files.tar")]
    assert "已备份 1 个附件文件" in made.stdout
    assert snapshot.with_name(snapshot.stem + ".files.tar").is_file()
    (files_dir / NAME).write_bytes(b"%PDF-1.4 changed after the backup\n")
    (files_dir / "cd").mkdir()
    (files_dir / "cd" / ("cd" + "1" * 30 + ".png")).write_bytes(b"\x89PNG later")
    restored = run("restore", str(snapshot))
    assert "已恢复 1 个附件文件" in restored.stdout
    assert _files(files_dir) == {NAME: b"%PDF-1.4 backed up\n"}
    (kept,) = out.glob("files-before-restore-*")
    assert len(_files(kept)) == 2  # the replaced folder is kept, not lost


@pytest.mark.parametrize("member", ["../evil.pdf", "/etc/cron.d/evil", "ab/not-a-stored-name.pdf", "ab/link"])
def test_an_archive_with_anything_but_stored_files_is_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "bad.files.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo(member)
        if member == "ab/link":
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            tar.addfile(info)
        else:
            info.size = 3
            tar.addfile(info, io.BytesIO(b"abc"))
    files_dir = tmp_path / "files"
    files_dir.mkdir()
    (files_dir / "keep.txt").write_text("still here")
    with pytest.raises(FilesBackupError, match="不属于附件的条目"):
        restore_files(archive=archive, files_dir=files_dir, keep_as=tmp_path / "kept")
    assert (files_dir / "keep.txt").read_text() == "still here"
    assert not (tmp_path / "evil.pdf").exists()


def test_temp_files_are_not_archived(tmp_path: Path) -> None:
    files_dir = tmp_path / "files"
    (files_dir / "ab").mkdir(parents=True)
    (files_dir / NAME).write_bytes(b"%PDF-1.4")
    (files_dir / "ab" / f".{NAME[3:]}.partial").write_bytes(b"half")
    assert archive_files(files_dir=files_dir, target=tmp_path / "a.tar") == 1

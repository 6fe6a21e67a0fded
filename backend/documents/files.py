"""What an uploaded file is, judged by its bytes: limits, type sniffing and the name shown.

The declared content type and the file name's extension are never trusted: the first bytes
decide (%PDF-, the PNG signature, the JPEG start-of-image marker), and a file that is really a
program (an MZ / ELF header, wherever it claims to be a PDF) is refused. The name a person typed
is kept only for display and the download's Content-Disposition; it never becomes a path.
"""

import re
import unicodedata
from dataclasses import dataclass

from backend.errors import InvalidInput

MB = 1024 * 1024
MAX_BYTES = 10 * MB
MAX_FILES = 5
MAX_NAME = 120
# A file upload's path: the body limit lets these through up to MAX_BYTES plus the envelope.
UPLOAD_PATH = re.compile(r"^(?:/api)?/(?:needs|results)/\d+/attachments/?$")


@dataclass(frozen=True)
class FileType:
    """A kind of file a posting may carry."""

    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", ".pdf", "PDF")
PNG = FileType("image/png", ".png", "PNG 图片")
JPEG = FileType("image/jpeg", ".jpg", "JPEG 图片")
BY_CONTENT_TYPE = {t.content_type: t for t in (PDF, PNG, JPEG)}
# Which types each side accepts: a result's attachments, a need's specification sheet.
ALLOWED = {"result": (PDF, PNG, JPEG), "need": (PDF,)}
ALLOWED_TEXT = {"result": "PDF、PNG 或 JPEG", "need": "PDF"}
_EXECUTABLE = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa", b"\xcf\xfa\xed\xfe", b"#!")
_EXTENSION = re.compile(r"[A-Za-z][A-Za-z0-9]{1,4}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b-\u200f\ufeff]")


def refused(message: str) -> InvalidInput:
    """A refused upload: the message, tied to the file field for forms and the API."""
    return InvalidInput(message, detail=[{"field": "file", "message": message}])


def sniff(data: bytes) -> FileType | None:
    """The type the bytes say, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def check_content(*, side: str, data: bytes) -> FileType:
    """The file's type if `side` accepts it; InvalidInput in Chinese otherwise."""
    if not data:
        raise refused("文件是空的，请重新选择")
    if len(data) > MAX_BYTES:
        raise refused(f"文件过大：每个文件不超过 {MAX_BYTES // MB} MB")
    if data.lstrip()[:4].startswith(_EXECUTABLE) or data[:4].startswith(_EXECUTABLE):
        raise refused("该文件是可执行程序，不能上传")
    kind = sniff(data)
    allowed = ALLOWED[side]
    if kind is None or kind not in allowed:
        raise refused(f"文件内容不是 {ALLOWED_TEXT[side]}（按文件内容判断，与文件名和声明的类型无关）")
    if kind is PDF and _pdf_hides_a_program(data):
        raise refused("该 PDF 文件内含可执行程序，不能上传")
    return kind


def _pdf_hides_a_program(data: bytes) -> bool:
    # A polyglot: a valid %PDF- header with a Windows / Linux program glued on after it.
    return b"This program cannot be run in DOS mode" in data or b"\x7fELF\x02\x01\x01" in data


def clean_filename(name: str | None, kind: FileType) -> str:
    """The name shown for a file: no path, no control characters, the real type's extension.

    A name with path segments (../, /, \\) or control characters is refused: such a name is
    either a mistake or an attack, and a person should see what is stored. So is a name whose
    extension names another type than the bytes (a mislabelled file); a name without one gets it.
    """
    raw = (name or "").strip()
    if not raw:
        return f"附件{kind.extension}"
    if "/" in raw or "\\" in raw or raw in (".", "..") or raw.startswith(".."):
        raise refused("文件名不能包含路径（/、\\ 或 ..），请重命名后上传")
    if _CONTROL.search(raw):
        raise refused("文件名不能包含控制字符，请重命名后上传")
    text = unicodedata.normalize("NFC", raw)
    stem, dot, ext = text.rpartition(".")
    matching = {kind.extension[1:], "jpeg" if kind is JPEG else kind.extension[1:]}
    if dot and stem and ext.lower() not in matching:
        if _EXTENSION.fullmatch(ext):  # 照片.jpg holding a PNG: say so rather than guess
            raise refused(f"文件名为 .{ext}，但文件内容是 {kind.label}，请核对文件后重新上传")
        stem, ext = text, kind.extension[1:]
    elif not dot or not stem:
        stem, ext = text, kind.extension[1:]
    stem = stem[: MAX_NAME - len(ext) - 1].rstrip(". ") or "附件"
    return f"{stem}.{ext}"


def human_size(size: int) -> str:
    """1 234 567 → '1.2 MB'."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"

"""A ceiling on request bodies, enforced before the app reads them.

A declared Content-Length over the limit is refused at once (413, nothing read). A body sent
without one (chunked) is counted as it streams; the read that crosses the limit raises a
413 HTTPException, which the app's error handler renders like any other error.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.documents.files import MAX_BYTES as ATTACHMENT_MAX_BYTES
from backend.documents.files import UPLOAD_PATH as ATTACHMENT_PATH
from backend.security.responses import refuse
from backend.transfer.reader import MAX_BYTES as IMPORT_MAX_BYTES

MB = 1024 * 1024
DEFAULT_LIMIT = 1 * MB  # JSON bodies and HTML forms
# The import takes a spreadsheet of up to 5 MB, plus the multipart envelope and its few fields.
UPLOAD_LIMIT = IMPORT_MAX_BYTES + 64 * 1024
UPLOAD_PATHS = frozenset({"/ops/import", "/api/ops/import"})
# An attachment of up to 10 MB, plus the envelope (the service refuses a file over 10 MB itself).
ATTACHMENT_LIMIT = ATTACHMENT_MAX_BYTES + 64 * 1024
TITLE = "内容过大"


def limit_for(path: str) -> int:
    """The most bytes a request to `path` may send."""
    if ATTACHMENT_PATH.match(path):
        return ATTACHMENT_LIMIT
    return UPLOAD_LIMIT if path.rstrip("/") in UPLOAD_PATHS else DEFAULT_LIMIT


def message_for(limit: int) -> str:
    """The Chinese refusal for a body over `limit` bytes."""
    return f"提交的内容过大（上限 {limit // MB} MB），请精简后重试"


class BodyTooLarge(HTTPException):
    """A streamed body crossed the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=message_for(limit))


class BodySizeLimitMiddleware:
    """Refuses request bodies larger than `limit_for(path)` with 413 and a Chinese message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(str(scope.get("path", "")))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await refuse(scope, send, status=413, title=TITLE, message=message_for(limit))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

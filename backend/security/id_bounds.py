"""Ids the database cannot hold never reach a route.

Every `{id}` in a path is a database integer: SQLite raises OverflowError for one at or beyond
2**63 (PostgreSQL a DataError), which was a 500 on every such route. A path segment made only of
digits beyond MAX_ID names nothing, so it is answered 404 before any route runs, whatever
convertor or type the route declares. Numbers beyond it in bodies and query strings are 422
(`errors.handlers` maps the driver's out-of-range error; see there).
"""

from starlette.types import ASGIApp, Receive, Scope, Send

from backend.security.responses import refuse

MAX_ID = 2**63 - 1  # SQLite's INTEGER (and PostgreSQL's BIGINT)


def out_of_range(path: str) -> bool:
    """Whether a path segment is a number no database id can be."""
    return any(part.isdigit() and part.isascii() and int(part) > MAX_ID for part in path.split("/"))


class IdBoundsMiddleware:
    """404 for a path naming an id beyond MAX_ID (the JSON or page shape of every error)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and out_of_range(str(scope.get("path", ""))):
            await refuse(
                scope, send, status=404, title="页面不存在", message="您访问的页面不存在或已被移除。"
            )
            return
        await self.app(scope, receive, send)

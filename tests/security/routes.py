"""Every route of the app, walked through FastAPI's included routers."""

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount


@dataclass(frozen=True)
class RouteKey:
    method: str
    path: str  # as declared, converters included: /needs/{need_id:int}

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def all_routes(app: FastAPI) -> list[RouteKey]:
    """(method, path) of every route, nested routers included; a mount counts as `MOUNT /path`.

    FastAPI (0.165) keeps an included router as one `_IncludedRouter` entry in `app.routes`;
    `iter_route_contexts` expands it (recursively) into the routes it serves, with prefixes.
    """
    keys: set[RouteKey] = set()
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, Mount):
            keys.add(RouteKey("MOUNT", str(ctx.path)))
            continue
        for method in ctx.methods or ():
            if method != "HEAD":
                keys.add(RouteKey(method, str(ctx.path)))
    return sorted(keys, key=lambda k: (k.path, k.method))


def state_changing(app: FastAPI, *, api: bool) -> list[RouteKey]:
    """The POST/PUT/PATCH/DELETE routes of the pages (api=False) or of the JSON API (api=True)."""
    return [
        k
        for k in all_routes(app)
        if k.method in ("POST", "PUT", "PATCH", "DELETE") and k.path.startswith("/api") == api
    ]

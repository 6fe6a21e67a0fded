"""Small helpers shared by the posting service tests."""

from backend.postings.need_model import Need
from backend.postings.result_model import Result


def _ids(rows: list[Need] | list[Result]) -> list[int | None]:
    return [r.id for r in rows]

"""What the index must hold: the engine documents of the published postings."""

from typing import Any

from sqlmodel import Session, select

from backend.matching.documents import need_document, result_document
from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import PostingStatus
from embeddings.types import Document


def published_documents(session: Session, side: str) -> list[Document]:
    """Documents of every published posting of one side."""
    if side == "need":
        needs = session.exec(select(Need).where(Need.status == PostingStatus.published))
        return [need_document(n) for n in needs]
    results = session.exec(select(Result).where(Result.status == PostingStatus.published))
    return [result_document(r) for r in results]


def listed_documents(session: Session) -> tuple[list[Document], list[Document]]:
    """Documents of every published need and result: exactly what the index must hold."""
    return published_documents(session, "need"), published_documents(session, "result")


def document_if_listed(session: Any, side: str, item_id: int) -> Document | None:
    """The engine document of a published posting; None if it is gone, a draft or closed."""
    if side == "need":
        need = session.get(Need, item_id)
        return need_document(need) if need and need.status == PostingStatus.published else None
    result = session.get(Result, item_id)
    return result_document(result) if result and result.status == PostingStatus.published else None

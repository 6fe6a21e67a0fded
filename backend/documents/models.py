"""An attachment of a posting: the stored file's generated name, the name shown, type and size."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utcnow


class Attachment(SQLModel, table=True):
    """A file of a need (its specification sheet) or of a result (patents, figures, reports).

    The posting is named by side and id, as a bookmark does, so that deleting a posting is not
    blocked by a foreign key: its attachments go with it (`documents.cleanup`).
    """

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("stored_name"),)

    id: int | None = Field(default=None, primary_key=True)
    side: str = Field(max_length=10)  # need | result
    posting_id: int = Field(index=True)
    filename: str = Field(max_length=120)  # for display only, never a path
    stored_name: str = Field(max_length=64)  # generated: <32 hex>.<ext> under the files root
    content_type: str = Field(max_length=40)
    size: int
    sha256: str = Field(max_length=64)
    # 仅对接方可见: shown only to insiders (owner organisation, operators, approved pairing parties).
    parties_only: bool = False
    uploaded_by: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class AttachmentPublic(SQLModel):
    """An attachment as the API lists it."""

    id: int
    side: str
    posting_id: int
    filename: str
    content_type: str
    size: int
    parties_only: bool
    created_at: datetime
    url: str

"""Technical needs (技术需求) posted by enterprises."""

from datetime import date, datetime

from pydantic import ValidationInfo, field_validator
from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from backend.db import utcnow
from backend.postings.validators import check_budget, clean_keywords, clean_modes
from backend.validation import clean_phone, clean_region, clean_text
from backend.vocab import Confidentiality, PostingStatus, TechField, TransferMode


class NeedBase(SQLModel):
    model_config = {"validate_default": True}

    title: str = Field(min_length=2, max_length=80)
    problem: str = Field(min_length=10, max_length=4000)
    indicators: str = Field(default="", max_length=2000)
    basis: str = Field(default="", max_length=2000)
    field: TechField = Field(sa_type=String(32))
    keywords: list[str] = Field(default_factory=list, sa_type=JSON)
    region: str = Field(max_length=20)
    budget_negotiable: bool = False
    budget_min: float | None = Field(default=None, ge=0, le=1_000_000)
    budget_max: float | None = Field(default=None, ge=0, le=1_000_000)
    trl_wanted: int = Field(ge=1, le=9)
    modes: list[TransferMode] = Field(min_length=1, sa_type=JSON)
    valid_until: date
    confidentiality: Confidentiality = Field(default=Confidentiality.public, sa_type=String(20))
    contact_name: str = Field(min_length=1, max_length=50)
    contact_phone: str = Field(min_length=1, max_length=30)  # then clean_phone: mobile or landline
    contact_email: str = Field(default="", max_length=254)

    _strip = field_validator(
        "title",
        "problem",
        "indicators",
        "basis",
        "contact_name",
        "contact_phone",
        "contact_email",
        mode="before",
    )(clean_text)
    _keywords = field_validator("keywords", mode="before")(clean_keywords)
    _modes = field_validator("modes", mode="before")(clean_modes)
    _region = field_validator("region")(clean_region)
    _phone = field_validator("contact_phone")(clean_phone)

    @field_validator("budget_max")
    @classmethod
    def _budget(cls, high: float | None, info: ValidationInfo) -> float | None:
        check_budget(info.data.get("budget_min"), high, info.data.get("budget_negotiable", False))
        return high


class NeedCreate(NeedBase):
    pass


class NeedUpdate(SQLModel):
    """A partial edit: every field optional; the merged record is validated as a whole."""

    title: str | None = None
    problem: str | None = None
    indicators: str | None = None
    basis: str | None = None
    field: TechField | None = None
    keywords: list[str] | None = None
    region: str | None = None
    budget_min: float | None = None
    budget_max: float | None = None
    budget_negotiable: bool | None = None
    trl_wanted: int | None = None
    modes: list[TransferMode] | None = None
    valid_until: date | None = None
    confidentiality: Confidentiality | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class Need(NeedBase, table=True):
    __tablename__ = "need"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    owner_id: int = Field(foreign_key="user.id", index=True)
    status: PostingStatus = Field(default=PostingStatus.draft, sa_type=String(20), index=True)
    published_at: datetime | None = None
    closed_at: datetime | None = None
    # The operator's last review: why it was sent back or taken down (shown to the owner).
    review_note: str = Field(default="", max_length=500)
    reviewed_at: datetime | None = None
    # Counts edits of the content; a review decision names the version the operator read.
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class NeedPublic(NeedBase):
    """A need as a given viewer may see it: identity and contacts may be withheld."""

    id: int
    organisation_id: int | None
    organisation_name: str | None = None
    contact_name: str | None = None  # type: ignore[assignment]
    contact_phone: str | None = None  # type: ignore[assignment]
    contact_email: str | None = None  # type: ignore[assignment]
    review_note: str | None = None  # the operator's reason, for the owner and operators only
    status: PostingStatus
    published_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

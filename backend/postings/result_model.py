"""Research results (科技成果) posted for universities and institutes."""

from datetime import datetime

from pydantic import ValidationInfo, field_validator
from sqlalchemy import JSON, String
from sqlmodel import Field, SQLModel

from backend.db import utcnow
from backend.postings.patents import clean_patent_number, split_numbers
from backend.postings.validators import check_budget, clean_keywords, clean_modes
from backend.validation import clean_phone, clean_region, clean_text
from backend.vocab import IpStatus, PostingStatus, ResultForm, TechField, TransferMode

MAX_PATENTS = 10


class ResultBase(SQLModel):
    model_config = {"validate_default": True}

    title: str = Field(min_length=2, max_length=80)
    summary: str = Field(min_length=20, max_length=6000)
    advantages: str = Field(default="", max_length=3000)
    field: TechField = Field(sa_type=String(32))
    keywords: list[str] = Field(default_factory=list, sa_type=JSON)
    team: str = Field(min_length=1, max_length=200)
    form: ResultForm = Field(sa_type=String(32))
    ip_status: IpStatus = Field(default=IpStatus.none, sa_type=String(20))
    patent_numbers: list[str] = Field(default_factory=list, sa_type=JSON)
    trl: int = Field(ge=1, le=9)
    modes: list[TransferMode] = Field(min_length=1, sa_type=JSON)
    price_negotiable: bool = False
    price: float | None = Field(default=None, ge=0, le=1_000_000)
    region: str = Field(max_length=20)
    contact_name: str = Field(min_length=1, max_length=50)
    contact_phone: str = Field(min_length=1, max_length=30)  # then clean_phone: mobile or landline
    contact_email: str = Field(default="", max_length=254)

    _strip = field_validator(
        "title",
        "summary",
        "advantages",
        "team",
        "contact_name",
        "contact_phone",
        "contact_email",
        mode="before",
    )(clean_text)
    _keywords = field_validator("keywords", mode="before")(clean_keywords)
    _modes = field_validator("modes", mode="before")(clean_modes)
    _region = field_validator("region")(clean_region)
    _phone = field_validator("contact_phone")(clean_phone)

    @field_validator("patent_numbers", mode="before")
    @classmethod
    def _patents(cls, value: object) -> object:
        items = split_numbers(value) if isinstance(value, str) else value
        if not isinstance(items, list):
            return items
        numbers: list[str] = []
        for item in items:
            text = clean_text(str(item))
            if text and (number := clean_patent_number(text)) not in numbers:
                numbers.append(number)
        if len(numbers) > MAX_PATENTS:
            raise ValueError(f"专利号最多 {MAX_PATENTS} 个")
        return numbers

    @field_validator("price")
    @classmethod
    def _price(cls, price: float | None, info: ValidationInfo) -> float | None:
        check_budget(price, price, info.data.get("price_negotiable", False))
        return price


class ResultCreate(ResultBase):
    pass


class ResultUpdate(SQLModel):
    """A partial edit: every field optional; the merged record is validated as a whole."""

    title: str | None = None
    summary: str | None = None
    advantages: str | None = None
    field: TechField | None = None
    keywords: list[str] | None = None
    team: str | None = None
    form: ResultForm | None = None
    ip_status: IpStatus | None = None
    patent_numbers: list[str] | None = None
    trl: int | None = None
    modes: list[TransferMode] | None = None
    price_negotiable: bool | None = None
    price: float | None = None
    region: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None


class Result(ResultBase, table=True):
    __tablename__ = "result"

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


class ResultPublic(ResultBase):
    """A result as a given viewer may see it: contacts are withheld until a pairing is approved."""

    id: int
    organisation_id: int
    organisation_name: str | None = None
    status: PostingStatus
    published_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    contact_name: str | None = None  # type: ignore[assignment]
    contact_phone: str | None = None  # type: ignore[assignment]
    contact_email: str | None = None  # type: ignore[assignment]
    review_note: str | None = None  # the operator's reason, for the owner and operators only

    @field_validator("patent_numbers", mode="before")
    @classmethod
    def _patents(cls, value: object) -> object:
        # Shown as stored: a number saved before the check-digit rule still displays.
        return value

"""Inputs of the account operations."""

from pydantic import BaseModel, Field, field_validator

from backend.accounts.models import EMAIL_PATTERN
from backend.validation import clean_region, clean_text, normalise_name
from backend.vocab import OrgKind, Role


class SignUp(BaseModel):
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(default="", max_length=30)
    role: Role
    organisation_name: str = Field(min_length=2, max_length=100)
    organisation_kind: OrgKind
    region: str = Field(max_length=20)

    _strip = field_validator("email", "name", "phone", "organisation_name", mode="before")(clean_text)
    _region = field_validator("region")(clean_region)

    @field_validator("organisation_name")
    @classmethod
    def _normalise_org(cls, value: str) -> str:
        name = normalise_name(value)  # invisible characters do not make another organisation
        if len(name) < 2:
            raise ValueError("至少 2 个字符")
        return name

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class Login(BaseModel):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=128)

    _clean = field_validator("email", mode="before")(clean_text)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: str = Field(min_length=1, max_length=128)

"""Inputs of the account operations."""

from pydantic import BaseModel, Field, field_validator

from backend.accounts.models import EMAIL_PATTERN
from backend.accounts.security import password_problem
from backend.validation import clean_phone, clean_region, clean_text, normalise_name
from backend.vocab import OrgKind, Role


def strong_password(value: str) -> str:
    """The password, or ValueError with the Chinese reason it is too weak."""
    if problem := password_problem(value):
        raise ValueError(problem)
    return value


class SignUp(BaseModel):
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=128)
    # The sign-up form always sends it; an API client may leave it out (None: not compared).
    password_confirm: str | None = Field(default=None, max_length=128)
    name: str = Field(min_length=1, max_length=50)
    phone: str = Field(default="", max_length=30)
    role: Role
    organisation_name: str = Field(min_length=2, max_length=100)
    organisation_kind: OrgKind
    region: str = Field(max_length=20)
    # 用户协议 and 隐私政策: required when people sign themselves up (accounts.checks).
    accept_terms: bool = False

    _strip = field_validator("email", "name", "phone", "organisation_name", mode="before")(clean_text)
    _region = field_validator("region")(clean_region)
    _phone = field_validator("phone")(clean_phone)
    _password = field_validator("password")(strong_password)

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
    new_password_confirm: str | None = Field(default=None, max_length=128)

    _strong = field_validator("new_password")(strong_password)


class ForgotPassword(BaseModel):
    email: str = Field(min_length=1, max_length=254, pattern=EMAIL_PATTERN)

    _clean = field_validator("email", mode="before")(clean_text)


class PasswordReset(BaseModel):
    """A new password set through an emailed link (the token comes in the link's path on pages)."""

    token: str = Field(min_length=1, max_length=100)
    new_password: str = Field(min_length=1, max_length=128)
    new_password_confirm: str | None = Field(default=None, max_length=128)

    _strong = field_validator("new_password")(strong_password)


class EmailVerification(BaseModel):
    token: str = Field(min_length=1, max_length=100)

"""Application settings, read from the environment (prefix KEMATCH_) and `.env`."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"
ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEMATCH_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'data' / 'kematch.db'}"
    data_dir: Path = ROOT / "data"
    index_dir: Path = ROOT / "data" / "index"
    files_dir: Path = ROOT / "data" / "files"  # attachments, under generated names
    model_dir: Path = ROOT / "data" / "models" / "multilingual-e5-small"
    secret_key: str = PLACEHOLDER_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1, le=64)  # uvicorn worker processes (`KEMATCH_WORKERS=4 make run`)
    # Addresses of the reverse proxies whose X-Forwarded-For is believed ("127.0.0.1", or "*").
    forwarded_allow_ips: str = ""
    # The site's address as people reach it, for the links in emails (password reset, email
    # verification). Never taken from a request's Host header, which the sender controls.
    public_url: str = ""
    session_hours: int = 12
    secure_cookies: bool = False
    matching_enabled: bool = True
    review_postings: bool = True
    stale_days: int = 60  # /ops/stale: published postings with no edit and no interest for this long
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    mail_from: str = "KeMatch 科创撮合 <noreply@kematch.local>"

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> "Settings":
        if self.environment == "production" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError("KEMATCH_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def active_model_dir(self) -> Path:
        """The encoder the engine runs: an adapted model activated by `cli model adapt`, else `model_dir`."""
        from embeddings.adapt_active import active_model_dir

        return active_model_dir(self.model_dir)

    @property
    def site_url(self) -> str:
        """The base of absolute links: `public_url`, else the address `make run` serves on."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()

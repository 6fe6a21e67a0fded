"""How a time is shown: stored times are UTC; people read them in Beijing time, everywhere.

Pages (the `when` / `when_date` / `when_iso` Jinja filters), notifications, e-mails and exports
all format through here. China has kept UTC+8 without daylight saving since 1991, so a fixed
offset is exact and needs no tz database on the server.
"""

from datetime import UTC, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def as_utc(moment: datetime) -> datetime:
    """An aware UTC time (SQLite hands stored times back naive; they were stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def beijing(moment: datetime) -> datetime:
    """A stored time as an aware Beijing time."""
    return as_utc(moment).astimezone(BEIJING)


def show_time(moment: datetime | None) -> str:
    """Beijing time to the minute, `2026-12-02 09:30`; empty for no time."""
    return beijing(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def show_date(moment: datetime | None) -> str:
    """The Beijing calendar day of a time, `2026-12-02`; empty for no time."""
    return beijing(moment).strftime("%Y-%m-%d") if moment else ""


def iso_time(moment: datetime | None) -> str:
    """A machine-readable Beijing time with its offset, for `<time datetime=…>`."""
    return beijing(moment).isoformat(timespec="minutes") if moment else ""

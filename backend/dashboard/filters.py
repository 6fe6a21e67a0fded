"""The dashboard's filters: a period (preset or dates) and a technical field, read from the URL."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from backend.errors import InvalidInput
from backend.timefmt import BEIJING, beijing
from backend.vocab import TechField

# Operators work in Beijing time (backend.timefmt): days, periods and ISO weeks are counted there.

PRESETS: dict[str, str] = {"30d": "近30天", "90d": "近90天", "ytd": "今年", "all": "全部"}
DEFAULT_PRESET = "90d"


@dataclass(frozen=True)
class Filters:
    """Which period (inclusive Beijing dates; None = open) and which field the figures cover."""

    date_from: date | None = None
    date_to: date | None = None
    field: TechField | None = None
    preset: str = ""  # the preset the period came from; "" for explicit dates

    def query(self, **overrides: str) -> str:
        """The query string that reproduces these filters (for shareable links and CSV links)."""
        params: dict[str, str] = {}
        if self.preset:
            params["preset"] = self.preset
        else:
            if self.date_from:
                params["from"] = self.date_from.isoformat()
            if self.date_to:
                params["to"] = self.date_to.isoformat()
        if self.field:
            params["field"] = self.field.value
        params.update(overrides)
        return urlencode({k: v for k, v in params.items() if v})

    @property
    def period_label(self) -> str:
        if self.preset in PRESETS and self.preset != "all":
            return f"{PRESETS[self.preset]}（{self.date_from} 至 {self.date_to}）"
        if self.date_from is None and self.date_to is None:
            return "全部时间"
        return f"{self.date_from or '最早'} 至 {self.date_to or '今天'}"


def today_beijing() -> date:
    """Today's date in Beijing."""
    return datetime.now(BEIJING).date()


def utc_naive(value: datetime) -> datetime:
    """A stored time as naive UTC (rows read back are naive; objects still in memory may be aware)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def local(value: datetime) -> datetime:
    """A stored (UTC) time as naive Beijing time."""
    return beijing(value).replace(tzinfo=None)


def bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    """The period as UTC [start, end) instants, for comparing with stored times."""
    start = end = None
    if filters.date_from:
        start = datetime.combine(filters.date_from, time.min, BEIJING).astimezone(UTC)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min, BEIJING).astimezone(UTC)
    return start, end


def _parse_date(raw: str | None, name: str, label: str) -> date | None:
    if not raw or not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(
            f"{label}格式有误，请用 YYYY-MM-DD",
            detail=[{"field": name, "label": label, "message": "日期格式应为 YYYY-MM-DD"}],
        ) from None


def parse_filters(
    *,
    preset: str | None,
    date_from: str | None,
    date_to: str | None,
    field: str | None,
    today: date | None = None,
) -> Filters:
    """Filters from query parameters: explicit dates win over a preset; nothing given = 近90天."""
    today = today or today_beijing()
    tech: TechField | None = None
    if field and field.strip():
        try:
            tech = TechField(field.strip())
        except ValueError:
            raise InvalidInput(
                "未知的技术领域",
                detail=[{"field": "field", "label": "技术领域", "message": "未知的技术领域"}],
            ) from None
    start = _parse_date(date_from, "from", "开始日期")
    end = _parse_date(date_to, "to", "结束日期")
    if start or end:
        if start and end and start > end:
            start, end = end, start
        return Filters(date_from=start, date_to=end, field=tech)
    chosen = preset if preset in PRESETS else DEFAULT_PRESET
    if chosen == "all":
        return Filters(field=tech, preset="all")
    if chosen == "ytd":
        return Filters(date_from=date(today.year, 1, 1), date_to=today, field=tech, preset="ytd")
    days = 30 if chosen == "30d" else 90
    return Filters(date_from=today - timedelta(days=days - 1), date_to=today, field=tech, preset=chosen)

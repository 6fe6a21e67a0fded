"""Every table, imported in one place so SQLModel.metadata is complete (Alembic, tests)."""

from backend.accounts.models import Organisation, User, UserSession
from backend.audit.models import AuditEntry
from backend.needs.models import Need
from backend.notifications.models import Notification
from backend.pairings.models import Pairing, PairingEvent
from backend.results.models import Result

__all__ = [
    "AuditEntry",
    "Need",
    "Notification",
    "Organisation",
    "Pairing",
    "PairingEvent",
    "Result",
    "User",
    "UserSession",
]

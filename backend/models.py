"""Every table, imported in one place so SQLModel.metadata is complete (Alembic, tests)."""

from backend.accounts.models import AccountToken, Organisation, ThrottleHit, User, UserSession
from backend.audit.models import AuditEntry
from backend.challenges.models import (
    Challenge,
    ChallengeEvent,
    ChallengeInvitation,
    Proposal,
    ProposalScore,
)
from backend.documents.models import Attachment
from backend.follow.models import Bookmark, Subscription, SubscriptionHit
from backend.matching.feed_models import IndexChange, PostingVector
from backend.notifications.models import Notification
from backend.pairings.models import Pairing, PairingEvent, PairingMessage, PairingRead
from backend.postings.need_model import Need
from backend.postings.quality_models import DuplicateCandidate, ExpiryReminder
from backend.postings.result_model import Result
from backend.questions.models import PostingQuestion
from backend.transfer.models import ImportJob, ImportRow

__all__ = [
    "AccountToken",
    "Attachment",
    "AuditEntry",
    "Bookmark",
    "Challenge",
    "ChallengeEvent",
    "ChallengeInvitation",
    "DuplicateCandidate",
    "ExpiryReminder",
    "ImportJob",
    "ImportRow",
    "IndexChange",
    "Need",
    "Notification",
    "Organisation",
    "Pairing",
    "PairingEvent",
    "PairingMessage",
    "PairingRead",
    "PostingQuestion",
    "PostingVector",
    "Proposal",
    "ProposalScore",
    "Result",
    "Subscription",
    "SubscriptionHit",
    "ThrottleHit",
    "User",
    "UserSession",
]

"""What a posting's page tells its writer about it: likely duplicates, and the need's renewal."""

from dataclasses import dataclass, field

from sqlmodel import Session

from backend.accounts.models import User
from backend.matching.duplicates import DuplicateLink, links
from backend.postings import expiry
from backend.postings.kinds import Posting, kind_of
from backend.postings.need_model import Need
from backend.postings.rules import can_edit


@dataclass(frozen=True)
class PostingQuality:
    """Shown to whoever may edit the posting (its organisation, operators)."""

    duplicates: list[DuplicateLink] = field(default_factory=list)
    renewal: expiry.RenewalOffer | None = None


def for_writer(*, session: Session, posting: Posting, viewer: User | None) -> PostingQuality:
    """The duplicate warning (only postings `viewer` may open) and the 续期 offer, for editors."""
    if viewer is None or posting.id is None or not can_edit(item=posting, user=viewer):
        return PostingQuality()
    found = links(session=session, side=kind_of(posting).name, posting_id=posting.id, viewer=viewer)
    renewal = expiry.offer(need=posting, user=viewer) if isinstance(posting, Need) else None
    return PostingQuality(duplicates=found, renewal=renewal)

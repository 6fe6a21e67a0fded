"""How a posting is named in any text that leaves the platform, for one viewer.

Notifications, emails, flash messages, error messages and exports quote postings. Every such
text names a posting through `posting_label`, rendered for the person who will read it: a 保密
need they may not open is "一项保密需求", never its title; a 脱敏 need never carries its
enterprise's name for an outsider (`organisation_label`).
"""

from sqlmodel import Session

from backend.accounts.models import Organisation, User
from backend.postings.disclosure import is_party_to_need
from backend.postings.kinds import Posting
from backend.postings.need_model import Need
from backend.vocab import Confidentiality, Role

SECRET_NEED = "一项保密需求"


def _insider(session: Session, need: Need, viewer: User | None) -> bool:
    # `needs.is_insider`'s rule; not imported from there because the lifecycle (which `needs`
    # imports) names postings through this module.
    if viewer is None:
        return False
    if viewer.role == Role.operator or need.organisation_id == viewer.organisation_id:
        return True
    return is_party_to_need(session=session, need=need, user=viewer)


def _need_hidden(session: Session, need: Need, viewer: User | None) -> bool:
    return need.confidentiality == Confidentiality.secret and not _insider(session, need, viewer)


def posting_title(*, session: Session, posting: Posting, viewer: User | None) -> str:
    """The posting's title as `viewer` may read it (一项保密需求 for a secret need they may not open)."""
    if isinstance(posting, Need) and _need_hidden(session, posting, viewer):
        return SECRET_NEED
    return posting.title


def posting_label(*, session: Session, posting: Posting, viewer: User | None) -> str:
    """The posting named for `viewer` inside a sentence: “标题”, or 一项保密需求 unquoted."""
    if isinstance(posting, Need) and _need_hidden(session, posting, viewer):
        return SECRET_NEED
    return f"“{posting.title}”"


def organisation_label(*, session: Session, posting: Posting, viewer: User | None) -> str | None:
    """The owning organisation's name if `viewer` may know it (not for 脱敏 / 保密 needs' outsiders)."""
    if (
        isinstance(posting, Need)
        and posting.confidentiality != Confidentiality.public
        and not _insider(session, posting, viewer)
    ):
        return None
    org = session.get(Organisation, posting.organisation_id)
    return org.name if org else None

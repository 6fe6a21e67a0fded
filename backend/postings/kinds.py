"""The two kinds of posting and what distinguishes them."""

from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from backend.postings.need_model import Need
from backend.postings.result_model import Result
from backend.vocab import Role

# A stored posting of either kind. Code shared by both kinds is written against this union (or
# the constrained type variable below), so the type checker sees every attribute it touches.
Posting = Need | Result
P = TypeVar("P", bound=Posting)
Side = Literal["need", "result"]


@dataclass(frozen=True)
class Kind(Generic[P]):
    """What distinguishes the two kinds of posting."""

    name: Side
    label: str  # 需求 | 成果
    owner_role: Role
    model: type[P]
    text_columns: tuple[str, ...]  # searched word by word when the engine is off
    excerpt_column: str  # the body shown in queues and cards
    trl_column: str

    @property
    def path(self) -> str:
        """The URL prefix of this kind's pages and API (/needs, /results)."""
        return f"/{self.name}s"


NEED: Kind[Need] = Kind(
    name="need",
    label="需求",
    owner_role=Role.enterprise,
    model=Need,
    text_columns=("title", "problem", "indicators"),
    excerpt_column="problem",
    trl_column="trl_wanted",
)
RESULT: Kind[Result] = Kind(
    name="result",
    label="成果",
    owner_role=Role.researcher,
    model=Result,
    text_columns=("title", "summary", "advantages", "team"),
    excerpt_column="summary",
    trl_column="trl",
)
KINDS: dict[str, Kind[Need] | Kind[Result]] = {"need": NEED, "result": RESULT}


def kind_of(posting: Posting) -> Kind[Need] | Kind[Result]:
    """The kind of a stored posting."""
    return NEED if isinstance(posting, Need) else RESULT

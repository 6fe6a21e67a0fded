"""The request's database session, as a typed dependency (the user's are in `accounts.deps`)."""

from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from backend.db import get_session

# scope="function": the request's transaction commits before the response is sent, so a failed
# commit (database locked, disk full) reaches the error handlers instead of following a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

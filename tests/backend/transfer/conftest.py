"""Fixtures for the import and export tests: jobs run inline; an operator; two organisations."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import User
from backend.main import app
from backend.transfer import worker
from backend.vocab import OrgKind, Role
from tests.factories import login, make_org, make_user


@pytest.fixture
def inline_jobs(client: TestClient, session: Session) -> Iterator[None]:
    """Run import jobs inline, in the test's transaction, each chunk still its own commit."""

    @contextmanager
    def scope() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    def run(job_id: int) -> None:
        worker.run_job(job_id=job_id, scope=scope)

    app.dependency_overrides[worker.job_runner] = lambda: run
    yield
    app.dependency_overrides.pop(worker.job_runner, None)


@pytest.fixture
def operator(session: Session, client: TestClient, inline_jobs: None) -> User:
    user = make_user(session, Role.operator)
    login(client, user)
    return user


@pytest.fixture
def enterprise(session: Session) -> User:
    org = make_org(session, name="武汉某生物科技有限公司", kind=OrgKind.enterprise)
    user = make_user(session, Role.enterprise, organisation_id=org.id)
    session.commit()  # survives a refused request's rollback
    return user


@pytest.fixture
def university(session: Session) -> User:
    org = make_org(session, name="某某大学", kind=OrgKind.university)
    user = make_user(session, Role.researcher, organisation_id=org.id)
    session.commit()  # survives a refused request's rollback
    return user

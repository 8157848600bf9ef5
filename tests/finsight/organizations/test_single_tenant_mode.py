"""ENABLE_MULTITENANCY=false: one organization, no switching; the tenancy code path is the same."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from finsight.config import get_settings
from finsight.db import get_engine
from finsight.errors import Conflict
from finsight.organizations.service import OrganizationSpec, create_organization

from support.api import TEST_ACTOR, unique_email

pytestmark = pytest.mark.integration


def test_second_organization_is_refused(test_env, unique_slug, monkeypatch):
    monkeypatch.setenv("ENABLE_MULTITENANCY", "false")
    get_settings.cache_clear()
    # One transaction, rolled back: the other tests' organizations are hidden only inside it.
    with get_engine().connect() as connection, Session(bind=connection) as session:
        try:
            session.execute(text("UPDATE platform.orgs SET deleted_at = now()"))
            create_organization(
                session,
                OrganizationSpec(slug=unique_slug, name="Only", owner_email=unique_email()),
                TEST_ACTOR,
            )
            with pytest.raises(Conflict, match="multitenancy is disabled"):
                create_organization(
                    session,
                    OrganizationSpec(
                        slug=unique_slug + "b", name="Second", owner_email=unique_email()
                    ),
                    TEST_ACTOR,
                )
        finally:
            session.rollback()
            monkeypatch.undo()
            get_settings.cache_clear()


def test_switching_is_refused(test_env, unique_slug, monkeypatch):
    from finsight.auth.service import switch
    from finsight.kit.identity import ClientInfo, Principal

    monkeypatch.setenv("ENABLE_MULTITENANCY", "false")
    get_settings.cache_clear()
    principal = Principal(
        user_id=uuid.uuid4(),
        email="x@example.test",
        is_platform_admin=False,
        session_id=uuid.uuid4(),
        org=None,
        role=None,
        permissions=frozenset(),
    )
    try:
        with (
            get_engine().connect() as connection,
            Session(bind=connection) as session,
            pytest.raises(Conflict, match="nothing to switch to"),
        ):
            switch(session, principal, org_slug=unique_slug, client=ClientInfo(None, None))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

"""Bank sync in tests: the local Plaid (finsight.dev.plaid_emulator, driven through the real
plaid-python client), settings that point at it, and a connected test bank."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from finsight.config import get_settings
from finsight.dev.plaid_emulator import CLIENT_ID, SECRET, PlaidEmulator
from finsight.kit.identity import Actor, OrgRef
from finsight.plaid import client, service
from finsight.plaid.models import PlaidItem
from finsight.tenancy import tenant_unit

ACTOR = Actor.system("tests")


def plaid_settings(emulator: PlaidEmulator, **extra: str) -> dict[str, str]:
    return {
        "PLAID_HOST": emulator.url,
        "PLAID_CLIENT_ID": CLIENT_ID,
        "PLAID_SECRET": SECRET,
        "PLAID_ENV": "sandbox",
        # Backoff of a second, not half a minute, and a sweeper that does not wait ten minutes.
        "PLAID_RETRY_BACKOFF_SECONDS": "1",
        **extra,
    }


@contextmanager
def plaid_environment(emulator: PlaidEmulator, **extra: str) -> Iterator[dict[str, str]]:
    """os.environ (and the settings) pointed at the emulator for the duration."""
    values = plaid_settings(emulator, **extra)
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    get_settings.cache_clear()
    client._api.cache_clear()
    try:
        yield values
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def connect_test_bank(
    slug: str, institution_id: str = "ins_109508", links: list[service.AccountLink] | None = None
) -> uuid.UUID:
    """Connect a test bank in-process, as POST /api/plaid/test-bank does; returns the item's id."""
    public_token = service.sandbox_public_token(institution_id)
    with tenant_unit(slug) as unit:
        org = OrgRef(unit.org_id, slug, slug, unit.location.cluster)
        item = service.connect(
            unit.session,
            org,
            public_token,
            actor=ACTOR,
            institution_id=institution_id,
            links=links,
        )
        return item.id


def item_row(slug: str, item_id: uuid.UUID) -> PlaidItem:
    with tenant_unit(slug) as unit:
        item = unit.session.get(PlaidItem, item_id)
        assert item is not None
        unit.session.expunge(item)
        return item

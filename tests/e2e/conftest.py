"""Browser tests: Playwright driving Debian's Chromium (DESIGN §7; never `playwright install`).

Every page a test visits can be kept as a screenshot under test-artifacts/screenshots/
(ignored by git), for a person to look at after a run.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from finsight.analytics.models import (
    AnomalyRecord,
    CategoryRule,
    ForecastRecord,
    Merchant,
    MerchantKey,
)
from finsight.tenancy import tenant_session
from finsight_web.pages.periods import months_back

from support.ledger import insert_transactions

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium reaches for Google's servers, which this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """shot("overview") saves the page as test-artifacts/screenshots/<test>--overview.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def take(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{test}--{name}.png"), full_page=True)

    return take


@pytest.fixture
def csp_violations(page: Page) -> Iterator[list[str]]:
    """Console messages of Content-Security-Policy refusals: a page must cause none."""
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    yield refused


def _seed_analytics(slug: str, account: uuid.UUID) -> uuid.UUID:
    """What the analytics pages show, written straight into a tenant's tables (no worker run):
    a merchant, a rule, an anomaly and forecasts. Returns the merchant's id."""
    today = date.today()
    with tenant_session(slug) as session:
        merchant = Merchant(name="Blue Bottle", name_source="cleaner")
        session.add(merchant)
        session.flush()
        merchant_id = merchant.id
        for key in ("blue bottle", "blue bottle coffee"):
            session.add(MerchantKey(key=key, merchant_id=merchant_id, display=key.upper()))
        session.add(
            CategoryRule(
                name="Coffee",
                position=0,
                enabled=True,
                stop_processing=True,
                conditions={"description_contains": ["blue bottle"], "direction": "expense"},
                actions={"add_tags": ["coffee"]},
            )
        )
        for ahead in (1, 2, 3):
            point = Decimal(400 + 25 * ahead)
            for scope in ("account", "category"):
                session.add(
                    ForecastRecord(
                        scope=scope,
                        account_id=account if scope == "account" else None,
                        currency="USD",
                        month=months_back(today, -ahead),  # `ahead` months on
                        point=point,
                        lower=point - 300 * ahead,
                        upper=point + 300 * ahead,
                        recurring=Decimal(0),
                        method="ensemble",
                    )
                )
    charge = today - timedelta(days=1)
    first, second = insert_transactions(
        slug,
        account,
        [
            {
                "day": charge,
                "amount": "-89.99",
                "description": "BLUE BOTTLE COFFEE",
                "merchant_key": "blue bottle coffee",
                "merchant_id": merchant_id,
            }
        ]
        * 2,
    )
    with tenant_session(slug) as session:
        session.add(
            AnomalyRecord(
                kind="duplicate",
                dedupe_key=f"duplicate:{second}",
                transaction_id=second,
                related_ids=[first],
                account_id=account,
                merchant="Blue Bottle",
                occurred_on=charge,
                amount=Decimal("-89.99"),
                currency="USD",
                score=0.93,
                reason="Charged $89.99 twice at Blue Bottle on the same day",
                details={},
                status="new",
            )
        )
    return merchant_id


@pytest.fixture
def seed_analytics() -> Callable[[str, uuid.UUID], uuid.UUID]:
    """seed_analytics(slug, account) fills the analytics pages; returns a merchant's id."""
    return _seed_analytics

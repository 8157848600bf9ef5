from __future__ import annotations

from collections.abc import Iterator

import pytest

from finsight.dev.plaid_emulator import PlaidEmulator

from support.api import create_org
from support.plaid import plaid_environment


@pytest.fixture
def emulator() -> Iterator[PlaidEmulator]:
    with PlaidEmulator() as running:
        yield running


@pytest.fixture
def plaid_env(test_env: dict[str, str], emulator: PlaidEmulator) -> Iterator[dict[str, str]]:
    with plaid_environment(emulator) as values:
        yield {**test_env, **values}


@pytest.fixture
def org(plaid_env: dict[str, str], unique_slug: str) -> str:
    create_org(unique_slug)
    return unique_slug

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from finsight.dev.plaid_emulator import PlaidEmulator

from support.api import Member, create_org, login
from support.plaid import plaid_environment
from support.server_fixtures import _serving


@pytest.fixture(scope="session")
def emulator() -> Iterator[PlaidEmulator]:
    """This worker's local Plaid (its tests make their own items on it)."""
    with PlaidEmulator() as running:
        yield running


@pytest.fixture(scope="session")
def plaid_env(test_env: dict[str, str], emulator: PlaidEmulator) -> Iterator[dict[str, str]]:
    with plaid_environment(emulator) as values:
        yield {**test_env, **values}


@pytest.fixture
def owner_email(plaid_env: dict[str, str], unique_slug: str) -> str:
    return create_org(unique_slug)


@pytest.fixture
def org(owner_email: str, unique_slug: str) -> str:
    return unique_slug


@pytest.fixture(scope="session")
def plaid_api_url(
    plaid_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An api process with bank sync on, calling the local Plaid."""
    with _serving("api", [], plaid_env, tmp_path_factory) as url:
        yield url


@pytest.fixture
def api(plaid_api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=plaid_api_url, timeout=30) as http:
        yield http


@pytest.fixture
def owner(api: httpx.Client, org: str, owner_email: str) -> Member:
    return login(api, owner_email, org)

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from finsight.dev.plaid_emulator import PlaidEmulator

from support.api import Member, create_org, login
from support.plaid import plaid_environment, plaid_settings
from support.server_fixtures import _serving


@pytest.fixture(scope="session")
def emulator() -> Iterator[PlaidEmulator]:
    """This worker's local Plaid (its tests make their own items on it)."""
    with PlaidEmulator() as running:
        yield running


@pytest.fixture(scope="session")
def plaid_server_env(test_env: dict[str, str], emulator: PlaidEmulator) -> dict[str, str]:
    """The settings of server processes with bank sync on."""
    return {**test_env, **plaid_settings(emulator)}


@pytest.fixture
def plaid_env(
    plaid_server_env: dict[str, str], emulator: PlaidEmulator
) -> Iterator[dict[str, str]]:
    """This process's settings pointed at the local Plaid for one test (then put back, so other
    tests of this worker see the suite's settings)."""
    with plaid_environment(emulator):
        yield plaid_server_env


@pytest.fixture
def owner_email(plaid_env: dict[str, str], unique_slug: str) -> str:
    return create_org(unique_slug)


@pytest.fixture
def org(owner_email: str, unique_slug: str) -> str:
    return unique_slug


@pytest.fixture(scope="session")
def plaid_api_url(
    plaid_server_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An api process with bank sync on, calling the local Plaid."""
    with _serving("api", [], plaid_server_env, tmp_path_factory) as url:
        yield url


@pytest.fixture
def api(plaid_api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=plaid_api_url, timeout=30) as http:
        yield http


@pytest.fixture
def owner(api: httpx.Client, org: str, owner_email: str) -> Member:
    return login(api, owner_email, org)

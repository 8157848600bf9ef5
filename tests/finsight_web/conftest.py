"""A signed-out dashboard client per test (the servers are shared per session)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.web import WebClient


@pytest.fixture
def web(web_url: str) -> Iterator[WebClient]:
    client = WebClient(web_url)
    yield client
    client.close()

"""A deployment without the analytics engine (ENABLE_ANALYTICS=false on the API): the dashboard
offers no analytics pages and says plainly why, instead of showing errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.api import create_org
from support.server_fixtures import _serving
from support.web import WebClient

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def web_without_analytics(
    test_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    env = {**test_env, "ENABLE_ANALYTICS": "false"}
    with (
        _serving("api", [], env, tmp_path_factory) as api_url,
        _serving("web", ["--api-url", api_url], env, tmp_path_factory) as web_url,
    ):
        yield web_url


def test_no_analytics_pages_and_a_plain_reason(web_without_analytics: str, unique_slug: str):
    web = WebClient(web_without_analytics)
    try:
        web.sign_in(create_org(unique_slug))
        overview = web.get("/")
        assert overview.status_code == 200
        for path in ("/rules", "/review", "/merchants"):
            assert f'href="{path}"' not in overview.text
        for path in ("/rules", "/review", "/merchants"):
            page = web.get(path)
            assert page.status_code == 404 and "Analytics is turned off" in page.text, path
        insights = web.get("/insights")
        assert insights.status_code == 200 and "Analytics is turned off" in insights.text
    finally:
        web.close()

"""Unit tests of the redirect-target checks: never an open redirect to another site."""

from __future__ import annotations

import pytest

from finsight_web.context import login_url, safe_next


@pytest.mark.parametrize(
    "target",
    ["/", "/x", "/x?y", "/transactions?account_id=1&tag=a#t-5", "/settings/members"],
)
def test_safe_next_keeps_same_site_paths(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "//evil.com",
        "//evil.com/path",
        "https://evil.com",
        "http://evil.com/x",
        "javascript:alert(1)",
        "\\\\evil",
        "/\\evil.com",
        "\\/evil.com",
        "evil.com",
        "x",
    ],
)
def test_safe_next_rejects_other_sites(target: str | None) -> None:
    assert safe_next(target) == "/"


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/", "/login"),
        ("", "/login"),
        ("/transactions", "/login?next=%2Ftransactions"),
        ("/x?y=1&z=2", "/login?next=%2Fx%3Fy%3D1%26z%3D2"),
        ("//evil.com", "/login"),
        ("https://evil.com", "/login"),
    ],
)
def test_login_url(next_url: str, expected: str) -> None:
    assert login_url(next_url) == expected

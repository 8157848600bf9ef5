"""The top bar is built from the pages' own NAV declarations (finsight_web.pages.PAGES)."""

from __future__ import annotations

from finsight_web.navigation import nav_items
from finsight_web.pages import PAGES


def _labels(me: dict[str, object]) -> list[str]:
    return [item.label for item in nav_items(PAGES) if item.visible_to(me)]


def test_the_top_bar_follows_the_pages_list_permissions_and_features():
    everything = {
        "permissions": [
            "accounts:read",
            "transactions:read",
            "analytics:read",
            "imports:read",
            "members:read",
        ],
        "features": ["analytics"],
    }
    assert _labels(everything) == [
        "Overview",
        "Accounts",
        "Transactions",
        "Insights",
        "Review",
        "Rules",
        "Merchants",
        "Import",
        "Settings",
    ]
    assert _labels({**everything, "features": []}) == [
        "Overview",
        "Accounts",
        "Transactions",
        "Insights",
        "Import",
        "Settings",
    ]
    assert _labels({"permissions": ["transactions:read"], "features": ["analytics"]}) == [
        "Overview",
        "Transactions",
    ]


def test_every_nav_key_is_unique_and_every_page_module_has_a_router():
    keys = [item.key for item in nav_items(PAGES)]
    assert len(keys) == len(set(keys))
    assert all(hasattr(page, "router") for page in PAGES)

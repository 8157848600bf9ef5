"""Banks' category strings onto the tenant's default tree, on a real tenant schema."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finsight.categories.bank_mapping import BANK_CATEGORIES, category_resolver
from finsight.categories.models import Category
from finsight.categories.tree import PATH_SEPARATOR, load_tree
from finsight.tenancy import tenant_session

from support.api import create_org

pytestmark = pytest.mark.integration


@pytest.fixture
def slug(test_env, unique_slug: str) -> str:
    create_org(unique_slug)
    return unique_slug


def _paths(slug: str) -> dict[object, str]:
    with tenant_session(slug) as session:
        return {node.id: PATH_SEPARATOR.join(node.path) for node in load_tree(session)}


def test_every_bank_category_resolves_as_mapped(slug: str):
    paths = _paths(slug)
    with tenant_session(slug) as session:
        resolve = category_resolver(session)
    for vocabulary in BANK_CATEGORIES:
        for label, path in vocabulary.items():
            found = resolve(label)
            expected = PATH_SEPARATOR.join(path) if path else None
            assert (paths[found] if found else None) == expected, label


def test_examples_free_text_and_misses(slug: str):
    paths = _paths(slug)
    with tenant_session(slug) as session:
        resolve = category_resolver(session)

    def path(text: str | None) -> str | None:
        found = resolve(text)
        return paths[found] if found else None

    assert path("Gas") == "Transport > Fuel"  # Chase's fuel, not the gas utility
    assert path("Gasoline") == "Transport > Fuel"
    assert path("Food & Drink") == "Restaurants"
    assert path("  travel/entertainment ") == "Travel"
    assert path("Payment/Credit") == "Transfers > Credit card payment"
    assert path("Phone/Cable") == "Utilities > Phone"
    # OFX/QIF free text: names and paths, any case; QIF writes paths with a colon.
    assert path("coffee shops") == "Restaurants > Coffee shops"
    assert path("Transport:Parking") == "Transport > Parking"
    assert path("utilities > water") == "Utilities > Water"
    assert path("Professional Services") is None
    assert path("Something else") is None
    assert path("") is None and path(None) is None


def test_renamed_system_category_still_receives_its_bank_strings(slug: str):
    with tenant_session(slug) as session:
        restaurants = session.scalar(
            select(Category).where(Category.name == "Restaurants", Category.parent_id.is_(None))
        )
        assert restaurants is not None
        restaurants.name = "Dining out"
        restaurants.extra = {"system_name": "Restaurants"}
        custom = Category(name="Dining", kind="expense", is_system=False)
        session.add(custom)
        session.flush()
        resolve = category_resolver(session)
        assert resolve("Food & Drink") == restaurants.id
        assert resolve("Dining") == restaurants.id  # Capital One's word, by the bank mapping
        assert resolve("dining out") == restaurants.id  # the new name, as free text

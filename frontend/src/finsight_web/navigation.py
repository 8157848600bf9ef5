"""The dashboard's main navigation, declared by the pages themselves.

A page module that has a place in the top bar declares `NAV = NavItem(...)`; `pages.PAGES` is the
one list of page modules, in the order the top bar shows them. What a person sees follows what
the API says they may do (their permissions) and what this deployment runs (its features).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class NavItem:
    key: str  # the `active` value the item's templates set
    label: str
    href: str
    # Shown to holders of any of these (none: to everyone signed in).
    any_permission: tuple[str, ...] = ()
    # Shown only where the API runs this feature (`features` of GET /api/users/me).
    feature: str | None = None

    def visible_to(self, me: Mapping[str, Any]) -> bool:
        permissions = set(me.get("permissions") or ())
        if self.any_permission and not permissions.intersection(self.any_permission):
            return False
        return self.feature is None or self.feature in (me.get("features") or ())


def nav_items(pages: Iterable[ModuleType]) -> tuple[NavItem, ...]:
    return tuple(page.NAV for page in pages if isinstance(getattr(page, "NAV", None), NavItem))

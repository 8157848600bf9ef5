"""Every domain of the product: the one list a new domain is added to.

Each name is a package `finsight.<name>` with a `domain.py` declaring `DOMAIN`
(finsight.kit.domain.Domain). The API mounts their routers in this order, the worker imports
their task modules and runs their schedules, and their permissions make up RBAC's list.
"""

from __future__ import annotations

import functools
import importlib

from finsight.kit.domain import Domain

DOMAINS = (
    "auth",
    "users",
    "organizations",
    "rbac",
    "accounts",
    "categories",
    "transactions",
    "ledger",
    "ingestion",
    "plaid",
    "audit",
    "analytics",
    "budgets",
    "reports",
    "alerts",
    "notifications",
    "worker",
)


@functools.cache
def all_domains() -> tuple[Domain, ...]:
    declared = []
    for name in DOMAINS:
        domain = importlib.import_module(f"finsight.{name}.domain").DOMAIN
        if not isinstance(domain, Domain) or domain.name != name:
            raise RuntimeError(
                f"finsight.{name}.domain must declare DOMAIN = Domain({name!r}, ...)"
            )
        declared.append(domain)
    return tuple(declared)


def import_object(path: str) -> object:
    """`package.module:attribute` -> the attribute."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)

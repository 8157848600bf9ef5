"""A tenant's slug and the database names derived from it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from finsight.errors import InvalidInput

# A DNS-1123 label (the Organization resource's name), short enough that every derived name
# (archived_org_<slug>_<YYYYmmddHHMMSS> is the longest) fits PostgreSQL's 63-byte identifiers.
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
SLUG_RULE = (
    "3-32 characters: lowercase letters, digits and hyphens, starting with a letter "
    "and ending with a letter or digit"
)


# Words the API uses in organization paths (/api/organizations/current).
RESERVED_SLUGS = frozenset({"current"})


def validate_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug) or "--" in slug:
        raise InvalidInput(f"invalid organization slug {slug!r}: {SLUG_RULE}", field="slug")
    if slug in RESERVED_SLUGS:
        raise InvalidInput(f"organization slug {slug!r} is reserved", field="slug")
    return slug


@dataclass(frozen=True)
class TenantNames:
    """Every database name of one tenant. Hyphens become underscores, so no quoting is needed and
    the mapping stays one-to-one (slugs have no underscores)."""

    slug: str

    @classmethod
    def for_slug(cls, slug: str) -> TenantNames:
        return cls(validate_slug(slug))

    @property
    def schema(self) -> str:
        return "org_" + self.slug.replace("-", "_")

    @property
    def role(self) -> str:
        """NOLOGIN role that owns the schema and nothing else."""
        return self.schema

    @property
    def worker_role(self) -> str:
        """LOGIN role for the tenant's own workers in Kubernetes."""
        return self.schema + "_worker"

    @property
    def queue(self) -> str:
        """The tenant's Celery queue."""
        return "org." + self.slug

    def archived_schema(self, stamp: str) -> str:
        return f"archived_{self.schema}_{stamp}"


# Group role granted to every tenant role: what all tenants may use in the platform schema.
TENANT_GROUP_ROLE = "finsight_tenant"

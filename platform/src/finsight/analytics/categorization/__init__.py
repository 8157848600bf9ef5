"""Categorization library: features of a transaction, a per-tenant classifier that abstains when
unsure, and the shared bootstrap model for tenants with no labels yet. Pure (no database); the
service that applies rules and stores models lives beside it."""

"""Keys derived per organization from a platform root, so a tenant's own processes get their
organization's key and never the root (which would let them forge another's)."""

from __future__ import annotations

import hashlib
import hmac

MODEL_SIGNING_CONTEXT = b"finsight/analytics/category-model/v2"


def tenant_model_signing_key(root: str, schema: str) -> str:
    """The key (hex) an organization's category models are signed with, from the platform's
    MODEL_SIGNING_KEY (or JWT secret) and the organization's schema name."""
    return hmac.new(
        root.encode(), MODEL_SIGNING_CONTEXT + b"\0" + schema.encode(), hashlib.sha256
    ).hexdigest()

"""Small query helpers shared by domains."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """Make user text literal inside a LIKE pattern (default escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

"""Base64 the way every format of this package writes it: standard alphabet, padded."""

from __future__ import annotations

import base64
import binascii


class MalformedKey(ValueError):
    """A key or ciphertext string that cannot be decoded."""


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str, *, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedKey(f"{what} is not valid base64") from exc

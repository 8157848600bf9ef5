"""Development keys: generated once under DATA_DIR/keys and kept, so secrets encrypted by one run
decrypt in the next. Never used outside development (settings must name the keys there)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def load_or_create(path: Path, generate: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The JSON document at `path`, written by `generate()` the first time (readable only by the
    owner). Processes starting together agree: the file appears whole, once (link, not rename,
    fails when another process won)."""
    if path.exists():
        return dict(json.loads(path.read_text()))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".new-")
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp creates it 0600
            json.dump(generate(), handle, indent=2)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        Path(temporary).unlink()
    return dict(json.loads(path.read_text()))

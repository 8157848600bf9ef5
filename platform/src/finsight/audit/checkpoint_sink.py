"""Where signed audit checkpoints go: somewhere the database's users cannot rewrite.

`CheckpointSink` is the interface; `DirectorySink` writes each checkpoint once, as a new
read-only file (never opened for writing again), under `<dir>/<cluster>/`. In production point
AUDIT_CHECKPOINT_DIR at storage the database host and its users cannot modify: a WORM / object-
lock bucket mounted or synced from it, or a directory shipped to a log sink on another machine.
Another sink (S3 with object lock, a syslog/SIEM forwarder) implements the same two methods.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

_CLUSTER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}\.json$")


@dataclass(frozen=True)
class StoredCheckpoint:
    location: str
    content: bytes


class CheckpointSink(Protocol):
    def append(self, cluster: str, name: str, content: bytes) -> str:
        """Store a new checkpoint under a new name (never overwriting); returns its location."""
        ...

    def read_all(self, cluster: str) -> list[StoredCheckpoint]:
        """Every checkpoint of the cluster, oldest first (names sort by time)."""
        ...


class DirectorySink:
    """Append-only files: created exclusively, written, flushed to disk, made read-only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, cluster: str) -> Path:
        if not _CLUSTER.fullmatch(cluster):
            raise ValueError(f"invalid cluster name {cluster!r}")
        return self.root / cluster

    def append(self, cluster: str, name: str, content: bytes) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid checkpoint name {name!r}")
        folder = self._folder(cluster)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        # O_EXCL: an existing checkpoint is never replaced, even by a name collision.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a crash too
        finally:
            os.close(directory)
        return str(path)

    def read_all(self, cluster: str) -> list[StoredCheckpoint]:
        folder = self._folder(cluster)
        if not folder.is_dir():
            return []
        return [
            StoredCheckpoint(str(path), path.read_bytes()) for path in sorted(folder.glob("*.json"))
        ]

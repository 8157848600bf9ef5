"""Child processes of `finsight dev`, each in its own process group, stopped together."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid


@dataclass
class Supervisor:
    env: Mapping[str, str]
    stop_timeout: float = 15.0
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, args: list[str]) -> Child:
        # A session of its own: Ctrl-C in the terminal reaches only `finsight dev`, which then
        # stops the children in order instead of all of them dying at once.
        process = subprocess.Popen(
            args, env=dict(self.env), stdin=subprocess.DEVNULL, start_new_session=True
        )
        child = Child(name, process)
        self.children.append(child)
        return child

    def exited(self) -> Child | None:
        """The first child that has exited, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def stop_all(self) -> None:
        """SIGTERM each child (its main process, which stops its own workers), wait, then
        SIGKILL whatever is left in each process group."""
        for child in self.children:
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        for child in self.children:
            # The group outlives its leader while any member does (e.g. a pool process).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            child.process.wait()
        self.children.clear()

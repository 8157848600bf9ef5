"""The OpenAPI document matches behaviour (issue 19, item 8): Schemathesis, every check, against
the real api process, signed in as the owner of a test organization. Bounded for `make test`: a
fixed seed and a few examples per operation, no shrinking."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from support.api import add_user, create_org, login

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = 19
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "3"))
# Calls that end the test's own sign-in or change its password: the rest of the run would be
# unauthenticated. Their own behaviour has tests of its own.
EXCLUDED_OPERATIONS = ("auth.logout", "user.password.change", "auth.refresh")


def test_schemathesis_finds_nothing(
    api_url: str, client: httpx.Client, unique_slug: str, tmp_path: Path
):
    owner = login(client, create_org(unique_slug), unique_slug)
    add_user(unique_slug, "viewer")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{api_url}/openapi.json",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--phases",
        "examples,coverage,fuzzing",
        "--no-shrink",
        # One worker: CPython 3.11's parser is not thread-safe, and Hypothesis parses the
        # source of its strategies' lambdas while describing them.
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Bearer {owner.token}",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
        "--output-truncate",
        "false",
        "--warnings",
        "off",
    ]
    for operation in EXCLUDED_OPERATIONS:
        command += ["--exclude-operation-id", operation]
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=600, check=False, cwd=tmp_path
    )
    Path(os.environ.get("SCHEMATHESIS_OUTPUT", tmp_path / "out.txt")).write_text(done.stdout)
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-2000:]

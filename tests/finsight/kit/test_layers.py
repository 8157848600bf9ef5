"""Arrows point down (docs/architecture.md, "Layers"): no module of a domain imports a domain of a
higher layer, and the shared machinery imports no domain above the platform's own. A lower
domain reaches a higher one only through events by task name (finsight.events, the ledger's
rows landed)."""

from __future__ import annotations

import ast
from pathlib import Path

import finsight

# Each domain's layer, lowest first; a domain may import its own layer (sideways) and below.
LAYERS: dict[str, int] = {
    # the platform: who, and which tenant (and the email outbox everyone may use)
    "users": 1,
    "rbac": 1,
    "auth": 1,
    "organizations": 1,
    "audit": 1,
    "notifications": 1,
    # the books' tables
    "accounts": 2,
    "categories": 2,
    "transactions": 2,
    # the one way rows enter the books
    "ledger": 3,
    # sources of rows
    "ingestion": 4,
    "plaid": 4,
    # what is learnt from the books
    "analytics": 5,
    "budgets": 6,
    # what is told about them
    "reports": 7,
    "alerts": 7,
}
# Machinery every layer uses: it may import the platform's domains (layer 1), nothing above.
SHARED = {
    "kit",
    "errors",
    "config",
    "db",
    "redis_client",
    "embedded",
    "crypto",
    "tenancy",
    "domains",
    "events",
    "api",
    "worker",
    "observability",
}
# Composition: the processes put everything together, so they may import anything.
COMPOSITION = {"app", "cli", "dev"}

ROOT = Path(finsight.__file__).parent


def _imported_packages(path: Path) -> set[str]:
    """The top-level finsight packages `path` imports (anywhere in it, lazily too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "finsight" and len(parts) > 1:
                found.add(parts[1])
    return found


def _package_of(path: Path) -> str:
    return path.relative_to(ROOT).parts[0].removesuffix(".py")


def test_every_package_has_a_place():
    packages = {_package_of(path) for path in ROOT.rglob("*.py")} - {"__init__"}
    unplaced = packages - set(LAYERS) - SHARED - COMPOSITION
    assert not unplaced, f"give {sorted(unplaced)} a layer in this test and docs/architecture.md"


def _upward_imports(root: Path) -> list[str]:
    upward = []
    for path in sorted(root.rglob("*.py")):
        package = path.relative_to(root).parts[0].removesuffix(".py")
        if package in COMPOSITION or package == "__init__":
            continue
        ceiling = LAYERS.get(package, 1)  # shared machinery: the platform's domains at most
        for imported in _imported_packages(path) - {package}:
            layer = LAYERS.get(imported)
            if layer is not None and layer > ceiling:
                upward.append(f"{path.relative_to(root)} imports finsight.{imported}")
            if imported in COMPOSITION:
                upward.append(f"{path.relative_to(root)} imports finsight.{imported}")
    return upward


def test_no_domain_imports_one_above_it():
    upward = _upward_imports(ROOT)
    assert not upward, "imports against the arrows:\n" + "\n".join(upward)


def test_an_upward_import_is_found_even_inside_a_function(tmp_path: Path):
    (tmp_path / "ingestion").mkdir()
    (tmp_path / "ingestion" / "pipeline.py").write_text(
        "def finish():\n    from finsight.analytics.service import start_run\n"
    )
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "queues.py").write_text("import finsight.ledger.service\n")
    (tmp_path / "analytics").mkdir()
    (tmp_path / "analytics" / "steps.py").write_text("from finsight.ledger import service\n")
    assert _upward_imports(tmp_path) == [
        "ingestion/pipeline.py imports finsight.analytics",
        "worker/queues.py imports finsight.ledger",
    ]

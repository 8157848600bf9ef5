"""`finsight`: the command line of the platform (DESIGN §2)."""

from __future__ import annotations

import typer

from finsight.cli import (
    analytics,
    audit,
    backup,
    db,
    dev,
    imports,
    org,
    plaid,
    report,
    secrets,
    serve,
    shell,
    status,
    user,
)
from finsight.cli.common import FinsightGroup

app = typer.Typer(
    name="finsight",
    cls=FinsightGroup,
    help="finsight: multi-tenant financial analytics platform.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.command("dev")(dev.dev)
app.command("seed")(dev.seed)
app.command("shell")(shell.shell)
app.command("import")(imports.import_statement)
app.command("status")(status.status)
app.command("health")(status.health)
app.command("backup")(backup.backup)
app.command("restore")(backup.restore)
app.add_typer(serve.app, name="serve")
app.add_typer(db.app, name="db")
app.add_typer(org.app, name="org")
app.add_typer(user.app, name="user")
app.add_typer(audit.app, name="audit")
app.add_typer(analytics.app, name="analytics")
app.add_typer(secrets.app, name="secrets")
app.add_typer(plaid.app, name="plaid")
app.add_typer(report.app, name="report")


def main() -> None:
    app(prog_name="finsight")

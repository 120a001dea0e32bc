"""``leapplan serve`` and ``leapplan db upgrade|backup|restore|user-add``.

Registered in ``cli.py`` as ``app.command("serve")(serve)`` and ``app.add_typer(db_app, name="db")``. The web
app and the database layer (FastAPI, SQLAlchemy, Alembic) are imported by the commands that use them, so that
every other command starts without them.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from leapplan.errors import ServiceError

if TYPE_CHECKING:
    from leapplan.service.db import Store

log = logging.getLogger(__name__)
out = Console()

db_app = typer.Typer(
    help="The monitoring service's database: migrations, backup, restore, users.", no_args_is_help=True
)


def _default_url() -> str:
    from leapplan.service.db import DEFAULT_URL

    return os.environ.get("LEAPPLAN_DB_URL", DEFAULT_URL)


def _store(db: str | None) -> Store:
    """The database behind --db (SQLAlchemy is loaded here, not when the CLI starts)."""
    from leapplan.service.db import Store

    return Store(db or _default_url())


DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///FILE, postgresql+psycopg://…) or a SQLite file path "
        "[default: $LEAPPLAN_DB_URL or sqlite:///leapplan.db].",
        show_default=False,
    ),
]


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    scenario: Annotated[str | None, typer.Option(help="Scenario name or path (default shanxi-1958).")] = None,
    plan: Annotated[
        Path | None, typer.Option(help="Folder written by `leapplan plan --out DIR`: the active plan.")
    ] = None,
    solve: Annotated[
        bool,
        typer.Option(
            "--solve/--no-solve",
            help="Without --plan: reuse the database's plan for this scenario, else solve one in the background.",
        ),
    ] = True,
    seed_demo_users: Annotated[
        bool, typer.Option("--seed-demo-users", help="Create the demo users of docs/service.md (password = user name).")
    ] = False,
    four_eyes: Annotated[
        bool,
        typer.Option(
            "--four-eyes/--no-four-eyes", help="A planner may not approve a report they submitted (default on)."
        ),
    ] = True,
) -> None:
    """Run the plan monitoring service (API + dashboard); migrations run on start."""
    import uvicorn

    from leapplan.service.app import create_app

    if plan is not None and not plan.is_dir():
        raise ServiceError(f"--plan {plan}: no such folder (write one with `leapplan plan --out DIR`)")
    app = create_app(db or _default_url(), scenario, plan, seed_demo_users, solve=solve, four_eyes=four_eyes)
    ctx = app.state.ctx
    note = " — solving the plan in the background" if ctx.plan_state == "solving" else ""
    out.print(f"leapplan service on http://{host}:{port}/ (database {ctx.store.url}){note}")
    uvicorn.run(app, host=host, port=port, workers=1, log_level="warning", timeout_graceful_shutdown=5)


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Run the migrations up to the newest schema."""
    store = _store(db)
    try:
        rev = store.migrate()
    finally:
        store.dispose()
    out.print(f"database {store.url} at revision {rev}")


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="Backup file to write (JSON; .gz compresses); mode 0600.")],
    db: DbOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write a portable backup of every table, with a checksum that restore verifies."""
    from leapplan.service.backup import backup

    if not file.parent.is_dir():
        raise ServiceError(f"folder {file.parent} does not exist")
    if file.exists() and not force:
        raise ServiceError(f"{file} exists: choose another name or pass --force to overwrite it")
    store = _store(db)
    try:
        if store.migrate() == "":
            raise ServiceError(f"database {store.url} has no schema")
        counts = backup(store, file, force=force)
    finally:
        store.dispose()
    out.print(f"wrote {file}: {sum(counts.values())} rows ({counts['reports']} reports, {counts['users']} users)")


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="Backup file written by `leapplan db backup`.")],
    db: DbOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace the database's contents (in one transaction).")
    ] = False,
) -> None:
    """Load a backup into an empty database (or, with --replace, instead of its contents).

    The whole backup is checked first (checksum, values, keys, the audit log's chain); on any error the
    database is left untouched. Stop the service before restoring into its database."""
    from leapplan.service.backup import read_backup, restore, validate

    validate(read_backup(file))  # refuse a damaged file before the database is even opened
    store = _store(db)
    try:
        counts = restore(store, file, replace=replace)
    finally:
        store.dispose()
    out.print(f"restored {file} into {store.url}: {sum(counts.values())} rows ({counts['reports']} reports)")


@db_app.command("user-add")
def db_user_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="planner, zone_committee, county_liaison or enterprise.")],
    unit: Annotated[str | None, typer.Option(help="Zone, county or enterprise id the user answers for.")] = None,
    password: Annotated[str | None, typer.Option(help="Password (prefer --password-stdin).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Reset an existing user.")] = False,
    scenario: Annotated[str | None, typer.Option(help="Scenario, when the database has none yet.")] = None,
    db: DbOpt = None,
) -> None:
    """Create a user of the monitoring service."""
    from leapplan.service.bootstrap import add_user, recorded_scenario
    from leapplan.service.security import Role
    from leapplan.service.units import UnitTree

    roles = [r.value for r in Role]
    if role not in roles:
        raise typer.BadParameter(f"{role!r} is not one of {', '.join(roles)}", param_hint="--role")
    if password_stdin == (password is not None):
        raise typer.BadParameter("give exactly one of --password and --password-stdin", param_hint="--password")
    secret = sys.stdin.readline().rstrip("\r\n") if password_stdin else str(password)
    if not secret:
        raise ServiceError("empty password")
    store = _store(db)
    try:
        s = recorded_scenario(store, scenario)
        tree = UnitTree.from_scenario(s)
        with store.write() as session:
            add_user(session, tree, username, Role(role), unit, secret, actor="cli", replace=replace)
    finally:
        store.dispose()
    out.print(f"user {username} ({role}{', ' + unit if unit else ''}) added")


@db_app.command("user-unlock")
def db_user_unlock(username: Annotated[str, typer.Argument(help="Login name.")], db: DbOpt = None) -> None:
    """Lift the lockout (and back-off) of an account after too many failed logins."""
    from leapplan.service.accounts import unlock_account

    store = _store(db)
    try:
        store.migrate()
        with store.write() as session:
            if unlock_account(session, username, "cli") is None:
                raise ServiceError(f"no user {username!r}")
    finally:
        store.dispose()
    out.print(f"user {username} unlocked")


@db_app.command("user-remove")
def db_user_remove(username: Annotated[str, typer.Argument(help="Login name.")], db: DbOpt = None) -> None:
    """Remove an account; its tokens stop working at once."""
    from leapplan.service.accounts import remove_account

    store = _store(db)
    try:
        store.migrate()
        with store.write() as session:
            if not remove_account(session, username, "cli"):
                raise ServiceError(f"no user {username!r}")
    finally:
        store.dispose()
    out.print(f"user {username} removed")

"""``surefoot doctor``: is this installation able to record? Each failed check names its fix."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import typer
from rich.table import Table

from surefoot.cli._app import app, console, state_of
from surefoot.core import ConfigError, Settings, SurefootError, mask_url
from surefoot.store import create_engine, migration_status


@dataclass(frozen=True, slots=True)
class Check:
    """One doctor finding."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False


def _check_settings(ctx: typer.Context) -> tuple[Check, Settings | None]:
    try:
        settings = state_of(ctx).settings()
    except ConfigError as exc:
        return Check("settings", False, exc.message, exc.hint), None
    return Check("settings", True, "valid"), settings


def _check_store(settings: Settings) -> list[Check]:
    where = mask_url(settings.store.url)
    try:
        engine = create_engine(
            settings.store.url, connect_timeout_s=settings.store.connect_timeout_s
        )
    except SurefootError as exc:
        return [Check("store reachable", False, f"{where}: {exc.message}", exc.hint)]
    try:
        status = migration_status(engine)
    except SurefootError as exc:
        return [Check("store reachable", False, f"{where}: {exc.message}", exc.hint)]
    finally:
        engine.dispose()
    reach = Check("store reachable", True, where)
    if status.is_current:
        return [reach, Check("migrations current", True, f"at {status.current}")]
    current = status.current or "an empty database"
    detail = f"at {current}, newest is {status.head}"
    return [reach, Check("migrations current", False, detail, "run `surefoot db upgrade`")]


def _check_spool(settings: Settings) -> list[Check]:
    spool = settings.recorder.spool_dir
    probe = spool if spool.exists() else _existing_parent(spool)
    if not os.access(probe, os.W_OK):
        fix = f"make {probe} writable or set SUREFOOT_RECORDER__SPOOL_DIR"
        return [Check("spool writable", False, str(spool), fix)]
    pending = sum(p.stat().st_size for p in spool.glob("*") if p.is_file()) if spool.exists() else 0
    checks = [Check("spool writable", True, str(spool))]
    if pending:
        detail = f"{pending:,} bytes of spans wait in {spool}"
        fix = "they replay into the store when an app with surefoot.init() next runs"
        checks.append(Check("spool empty", False, detail, fix, warning=True))
    return checks


def _existing_parent(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _check_otlp(settings: Settings) -> list[Check]:
    endpoint = settings.otlp.endpoint
    if not endpoint:
        return []
    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=2.0):
            pass
    except OSError as exc:
        fix = "start the collector or correct SUREFOOT_OTLP__ENDPOINT; spans still reach the store"
        return [Check("otlp collector", False, f"{endpoint}: {exc}", fix, warning=True)]
    return [Check("otlp collector", True, endpoint)]


@app.command()
def doctor(ctx: typer.Context) -> None:
    """Check settings, store, migrations, spool and exporter; exit 1 if any must be fixed."""
    first, settings = _check_settings(ctx)
    checks = [first]
    if settings is not None:
        checks += _check_store(settings) + _check_spool(settings) + _check_otlp(settings)
    table = Table(show_header=False, box=None)
    for c in checks:
        mark = "[green]ok[/]" if c.ok else ("[yellow]warn[/]" if c.warning else "[red]FAIL[/]")
        table.add_row(mark, c.name, c.detail)
        if c.fix and not c.ok:
            table.add_row("", "", f"[yellow]fix:[/] {c.fix}")
    console.print(table)
    if any(not c.ok and not c.warning for c in checks):
        raise typer.Exit(1)

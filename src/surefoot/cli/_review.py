"""``surefoot review``: list, claim and decide items of the human review queue."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from surefoot.cli._app import app, console, err_console, fail, state_of
from surefoot.cli._time import format_ns
from surefoot.core import ReviewItem, ReviewStatus, SurefootError
from surefoot.review import ReviewQueue
from surefoot.store import Store

if TYPE_CHECKING:
    from collections.abc import Callable

review_app = typer.Typer(help="Work the human review queue.", no_args_is_help=True)
app.add_typer(review_app, name="review")

Reviewer = Annotated[str, typer.Option("--reviewer", "-r", help="Who is deciding.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _row(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.item_id,
        "origin": str(item.origin),
        "status": str(item.status),
        "priority": item.priority,
        "reason": item.reason,
        "trace_id": item.trace_id,
        "subject": item.subject,
        "claimed_by": item.claimed_by,
        "decided_by": item.decided_by,
        "deadline_ns": item.deadline_ns,
        "payload": item.payload,
        "correction": item.correction,
    }


def _with_queue(ctx: typer.Context, work: Callable[[ReviewQueue], Any]) -> Any:
    try:
        with Store.open(state_of(ctx).settings().store) as store:
            return work(ReviewQueue(store))
    except SurefootError as exc:
        raise fail(exc) from None


@review_app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[ReviewStatus | None, typer.Option(help="Only items in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many items.")] = 50,
    as_json: AsJson = False,
) -> None:
    """List review items, most urgent first."""
    items: list[ReviewItem] = _with_queue(ctx, lambda q: q.items(status, limit))
    if as_json:
        for item in items:
            typer.echo(json.dumps(_row(item)))
        return
    table = Table("id", "origin", "status", "prio", "reason", "created", "claimed by")
    for item in items:
        table.add_row(
            item.item_id,
            str(item.origin),
            str(item.status),
            str(item.priority),
            Text(item.reason),
            format_ns(item.created_ns),
            Text(item.claimed_by or ""),
        )
    console.print(table)


@review_app.command("claim")
def claim_cmd(ctx: typer.Context, reviewer: Reviewer, as_json: AsJson = False) -> None:
    """Claim the next item for a reviewer and show it with its full context."""
    item: ReviewItem | None = _with_queue(ctx, lambda q: q.claim(reviewer))
    if item is None:
        err_console.print("the queue is empty")
        raise typer.Exit(code=0)
    if as_json:
        typer.echo(json.dumps(_row(item)))
        return
    console.print(f"claimed [bold]{item.item_id}[/] ({item.origin}): {item.reason}")
    console.print_json(json.dumps(_row(item)))


@review_app.command("approve")
def approve_cmd(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="The claimed item.")],
    reviewer: Reviewer,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Approve an item you claimed."""
    _with_queue(ctx, lambda q: q.approve(item_id, reviewer, note=note))
    err_console.print(f"approved {item_id}")


@review_app.command("reject")
def reject_cmd(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="The claimed item.")],
    reviewer: Reviewer,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Reject an item you claimed; it becomes a candidate eval case."""
    _with_queue(ctx, lambda q: q.reject(item_id, reviewer, note=note))
    err_console.print(f"rejected {item_id}")


@review_app.command("correct")
def correct_cmd(
    ctx: typer.Context,
    item_id: Annotated[str, typer.Argument(help="The claimed item.")],
    correction: Annotated[str, typer.Argument(help="The right output (JSON, or plain text).")],
    reviewer: Reviewer,
    note: Annotated[str | None, typer.Option(help="Why.")] = None,
) -> None:
    """Decide an item you claimed with the right output; a case with it as expected output."""
    try:
        value: Any = json.loads(correction)
    except json.JSONDecodeError:
        value = correction  # plain text is the common case
    _with_queue(ctx, lambda q: q.correct(item_id, reviewer, value, note=note))
    err_console.print(f"corrected {item_id}")

"""Expired Idempotency-Key rows are purged in bounded batches, on a schedule and on demand."""

from __future__ import annotations

import asyncio
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.server.conftest import LOOPBACK_CLIENT
from typer.testing import CliRunner

from surefoot.cli import app as cli
from surefoot.core import FakeClock, Settings, StoreUnavailable
from surefoot.server import create_app
from surefoot.server._housekeeping import Periodic, purge_idempotency
from surefoot.store import IdempotencyKeys, Store, StoredResponse
from surefoot.store._schema_idempotency import idempotency_keys

RESPONSE = StoredResponse(200, {"content-type": "application/json"}, b"{}")


def _fill(keys: IdempotencyKeys, n: int, *, ttl_s: float, prefix: str = "k") -> None:
    for i in range(n):
        keys.claim("s", f"{prefix}{i}", "h", lock_s=60)
        keys.complete("s", f"{prefix}{i}", RESPONSE, ttl_s=ttl_s)


def _rows(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(idempotency_keys)).scalar_one())


def test_purge_deletes_only_expired_rows_in_bounded_batches(store: Store) -> None:
    """Each batch deletes at most its limit, and rows still within their TTL stay."""
    clock = FakeClock(start_s=1_000.0)
    keys = IdempotencyKeys(store.engine, now_ns=clock.now_ns)
    _fill(keys, 7, ttl_s=10, prefix="old")
    _fill(keys, 3, ttl_s=1_000, prefix="new")
    clock.advance(11)
    assert keys.purge_expired(limit=3) == 3
    assert purge_idempotency(keys, batch=3) == 4
    assert _rows(store) == 3


def test_purge_stops_after_its_batch_budget(store: Store) -> None:
    """One run deletes at most max_batches x batch rows; the next run takes the rest."""
    clock = FakeClock(start_s=1_000.0)
    keys = IdempotencyKeys(store.engine, now_ns=clock.now_ns)
    _fill(keys, 5, ttl_s=1)
    clock.advance(2)
    assert purge_idempotency(keys, batch=2, max_batches=1) == 2
    assert purge_idempotency(keys, batch=2, max_batches=10) == 3


def test_a_periodic_job_survives_a_store_failure() -> None:
    """A failing run is counted and the next run still happens."""
    clock = FakeClock()
    outcomes: list[object] = []
    results = iter([StoreUnavailable("down"), 5])

    async def work() -> object:
        item = next(results)
        if isinstance(item, Exception):
            raise item
        return item

    job = Periodic("test", 30, work, on_done=outcomes.append, sleep=clock.asleep)

    async def two_runs() -> None:
        await job.run_once()
        await job.run_once()

    asyncio.run(two_runs())
    assert (job.failures, job.runs, outcomes) == (1, 1, [5])


def test_the_server_purges_expired_rows_on_its_interval(store: Store, store_url: str) -> None:
    """With a short interval, rows that expired are gone without any request."""
    past = IdempotencyKeys(store.engine, now_ns=FakeClock(start_s=1_000.0).now_ns)
    _fill(past, 4, ttl_s=1)  # expired long ago by the wall clock the server uses
    settings = Settings.load(
        store={"url": store_url},
        server={"auth": "off"},
        gateway={"idempotency_purge_interval_s": 0.02, "idempotency_purge_batch": 3},
    )
    with TestClient(create_app(settings, store=store), client=LOOPBACK_CLIENT) as client:
        deadline = time.monotonic() + 5
        while _rows(store) and time.monotonic() < deadline:
            time.sleep(0.02)
        metrics = client.get("/metrics").text
    assert _rows(store) == 0
    assert "surefoot_idempotency_purged_total 4.0" in metrics


@pytest.mark.parametrize("batch", ["1", "1000"])
def test_the_cli_purges_every_expired_row(store: Store, store_url: str, batch: str) -> None:
    """`surefoot keys purge-idempotency` deletes all expired rows whatever the batch size."""
    _fill(IdempotencyKeys(store.engine, now_ns=FakeClock(start_s=1_000.0).now_ns), 3, ttl_s=1)
    args = ["--store-url", store_url, "keys", "purge-idempotency", "--batch", batch]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "purged 3" in result.output
    assert _rows(store) == 0

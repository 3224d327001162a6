"""A real store taken away mid-run loses zero acknowledged spans once it is back."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from tests._plugins.services import TcpProxy

from surefoot import tracing
from surefoot.core import StoreSettings
from surefoot.store import Store


class Producer:
    """Records spans numbered by ``seq`` on a thread until stopped."""

    def __init__(self) -> None:
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with tracing.span("work", attributes={"seq": self.sent}):
                pass
            self.sent += 1
            if self.sent % 50 == 0:
                time.sleep(0.001)  # a busy service, not a tight loop that starves the writer

    def __enter__(self) -> Producer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stored_seqs(url: str) -> list[int]:
    with Store.open(StoreSettings(url=url)) as store:
        return sorted(sp.attributes["seq"] for sp in store.iter_spans())


def assert_nothing_lost(url: str, sent: int) -> None:
    stats = tracing.stats()
    assert stats.dropped_queue_full == 0
    assert stats.enqueued == sent
    assert stored_seqs(url) == list(range(sent))


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_cut_mid_run_loses_nothing(
    settings_factory, proxied_store_url: str, postgres_schema_url: str, postgres_proxy: TcpProxy
) -> None:
    """Cutting the network to PostgreSQL mid-run: every acknowledged span arrives afterwards."""
    settings = settings_factory(store={"url": proxied_store_url, "connect_timeout_s": 1.0})
    tracing.init(settings)
    with Producer() as producer:
        time.sleep(0.5)
        postgres_proxy.cut()
        time.sleep(1.5)
        assert not tracing.stats().store_available
        postgres_proxy.restore()
        time.sleep(0.5)
    assert tracing.flush(timeout_s=30)
    assert tracing.stats().store_failures > 0
    assert_nothing_lost(postgres_schema_url, producer.sent)


@pytest.mark.slow
def test_sqlite_locked_mid_run_loses_nothing(settings_factory, tmp_path: Path) -> None:
    """Another process holding SQLite's write lock mid-run: nothing acknowledged is lost."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    tracing.init(settings_factory(store={"url": url, "connect_timeout_s": 0.1}))
    with Producer() as producer:
        time.sleep(0.3)
        blocker = sqlite3.connect(tmp_path / "store.db", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        time.sleep(1.0)
        assert not tracing.stats().store_available
        blocker.execute("ROLLBACK")
        blocker.close()
        time.sleep(0.3)
    assert tracing.flush(timeout_s=30)
    assert tracing.stats().store_failures > 0
    assert_nothing_lost(url, producer.sent)

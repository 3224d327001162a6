"""A store behind a cut network raises StoreUnavailable, and works again once it is back."""

from __future__ import annotations

import pytest
from tests._plugins.services import TcpProxy

from surefoot.core import SpanRecord, StoreSettings, StoreUnavailable
from surefoot.store import Store

pytestmark = pytest.mark.postgres


def _span(n: int) -> SpanRecord:
    return SpanRecord("a" * 32, f"{n:016x}", f"s{n}", start_ns=n, end_ns=n + 1)


def test_writes_fail_with_store_unavailable_during_an_outage(
    proxied_store_url: str, postgres_proxy: TcpProxy
) -> None:
    """While the proxy is cut, write_spans and ping raise StoreUnavailable."""
    with Store.open(StoreSettings(url=proxied_store_url, connect_timeout_s=2)) as store:
        store.write_spans([_span(1)])
        postgres_proxy.cut()
        with pytest.raises(StoreUnavailable):
            store.write_spans([_span(2)])
        with pytest.raises(StoreUnavailable):
            store.ping()


def test_store_recovers_when_the_outage_ends(
    proxied_store_url: str, postgres_proxy: TcpProxy
) -> None:
    """After restore, the same Store writes again without being reopened."""
    with Store.open(StoreSettings(url=proxied_store_url, connect_timeout_s=2)) as store:
        store.write_spans([_span(1)])
        postgres_proxy.cut()
        with pytest.raises(StoreUnavailable):
            store.write_spans([_span(2)])
        postgres_proxy.restore()
        store.write_spans([_span(2)])
        assert store.count_spans() == 2

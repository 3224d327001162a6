"""A store that cannot be reached at init degrades to spooling; invalid settings fail loudly."""

from __future__ import annotations

import socket

import pytest

from surefoot import tracing
from surefoot.core import ConfigError


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_store_spools_and_counts(settings_factory, caplog) -> None:
    """init() with an unreachable store URL does not raise; spans are spooled and counted."""
    url = f"postgresql://app:secret@127.0.0.1:{closed_port()}/surefoot"
    tracing.init(settings_factory(store={"url": url, "connect_timeout_s": 0.5}))
    for i in range(20):
        with tracing.span("request", attributes={"i": i}):
            pass
    assert not tracing.flush(timeout_s=0.5)
    stats = tracing.stats()
    assert stats.spooled == 20
    assert stats.store_failures >= 1
    assert not stats.store_available
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "store unavailable at init" in messages
    assert "secret" not in messages


def test_invalid_store_url_raises_config_error(settings_factory) -> None:
    """A store URL naming an unsupported backend is a ConfigError at init."""
    with pytest.raises(ConfigError):
        tracing.init(settings_factory(store={"url": "mysql://db/x"}))


def test_invalid_price_table_raises_config_error(settings_factory, tmp_path) -> None:
    """A malformed price table file is a ConfigError naming the file."""
    bad = tmp_path / "prices.toml"
    bad.write_text("[[price]]\nmodel = 'x'\n")
    with pytest.raises(ConfigError, match=r"prices\.toml"):
        tracing.init(settings_factory(tracing={"price_table": bad}))

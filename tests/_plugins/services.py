"""Fixtures for tests that need real network services, and a TCP proxy to take them away.

``TcpProxy`` forwards 127.0.0.1:<port> to a target address in background threads. A test calls
``cut()`` to simulate an outage (live connections are dropped, new ones closed at once, as when a
database restarts or a network path fails) and ``restore()`` to end it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

__all__ = ["TcpProxy"]


class TcpProxy:
    """A loopback TCP forwarder that can be cut and restored.

    Args:
        target_host: where to forward to.
        target_port: the port forwarded to.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = self._listener.getsockname()[:2]
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def is_cut(self) -> bool:
        """Whether the proxy currently refuses traffic."""
        return self._cut

    def cut(self) -> None:
        """Drop every live connection and close new ones as soon as they arrive."""
        with self._lock:
            self._cut = True
            live, self._live = self._live, set()
        for sock in live:
            _close(sock)

    def restore(self) -> None:
        """Forward traffic again."""
        with self._lock:
            self._cut = False

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        _close(self._listener)
        self._acceptor.join(timeout=5)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._cut:
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._live.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        for sock in (source, sink):
            with self._lock:
                self._live.discard(sock)
            _close(sock)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@pytest.fixture(name="tcp_proxy_factory")
def _tcp_proxy_factory() -> Iterator[Callable[[str, int], TcpProxy]]:
    """Build TcpProxy instances that are closed when the test ends."""
    proxies: list[TcpProxy] = []

    def factory(host: str, port: int) -> TcpProxy:
        proxy = TcpProxy(host, port)
        proxies.append(proxy)
        return proxy

    yield factory
    for proxy in proxies:
        proxy.close()

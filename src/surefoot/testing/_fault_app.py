"""The fault server's ASGI application: OpenAI's routes, with the planned fault applied.

A bare ASGI callable rather than a Starlette app: the server doubles as the fast local upstream
of the guard and gateway benchmarks, and routing three paths by hand costs nothing.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from surefoot.testing._fault_bodies import (
    Answer,
    completion,
    default_text,
    embeddings,
    error_body,
    stream_events,
)
from surefoot.testing._faults import Fault, FaultKind, FaultPlan, Responder

__all__ = ["CutConnection", "FaultApp", "RecordedRequest"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_CREATED = 1_700_000_000  # a fixed timestamp keeps bodies byte-identical between runs
_NO_FAULT = Fault.latency(0.0)


class CutConnection(Exception):
    """Raised inside the app to drop the connection mid-response (the server logs nothing)."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the fault server received.

    Args:
        method: the HTTP method.
        path: the URL path, e.g. ``/v1/chat/completions``.
        model: the requested model, when the body named one.
        body: the parsed JSON body (``None`` when it was not JSON).
        headers: request headers; the ``authorization`` value is masked.
        fault: the fault applied to it, if any.
    """

    method: str
    path: str
    model: str | None
    body: Mapping[str, Any] | None
    headers: Mapping[str, str] = field(repr=False)
    fault: FaultKind | None = None

    @property
    def stream(self) -> bool:
        """Whether the request asked for a stream."""
        return bool(self.body and self.body.get("stream"))


class FaultApp:
    """Answers OpenAI's chat, embeddings and models routes, misbehaving as the plan says."""

    def __init__(
        self,
        plan: FaultPlan,
        *,
        respond: Responder | None,
        aliases: Mapping[str, str],
        fingerprint: str,
        stream_delay_s: float,
        keep_requests: int | None = None,
    ) -> None:
        self.plan = plan
        self.respond = respond or default_text
        self.aliases = dict(aliases)
        self.fingerprint = fingerprint
        self.stream_delay_s = stream_delay_s
        # Bounded, the oldest record goes as each new one comes: no pause to free thousands
        # at once, which a load test would see as a stall of the server.
        self.requests: deque[RecordedRequest] = deque(maxlen=keep_requests)
        self.models_seen: set[str] = set()
        self.lock = threading.Lock()
        self.stopping: asyncio.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ids = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if self.stopping is None:
            self.loop, self.stopping = asyncio.get_running_loop(), asyncio.Event()
        raw = await _read_body(receive)
        method, path = scope["method"], scope["path"].rstrip("/")
        if method == "POST" and path.endswith("/chat/completions"):
            await self._chat(scope, raw, receive, send)
        elif method == "POST" and path.endswith("/embeddings"):
            await self._embeddings(scope, raw, send)
        elif method == "GET" and path.endswith("/models"):
            await self._record(scope, None, None)
            await _json(send, 200, {"object": "list", "data": self._models()})
        else:
            await _json(send, 404, error_body(404, f"no route {method} {path}"))

    def _models(self) -> list[dict[str, Any]]:
        with self.lock:
            names = sorted(self.models_seen | set(self.aliases.values()))
        return [{"id": n, "object": "model", "owned_by": "surefoot-fault-server"} for n in names]

    async def _record(
        self, scope: Scope, body: Mapping[str, Any] | None, fault: Fault | None
    ) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if "authorization" in headers:
            headers["authorization"] = "***"
        model = body.get("model") if isinstance(body, Mapping) else None
        record = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            model=model if isinstance(model, str) else None,
            body=body,
            headers=headers,
            fault=fault.kind if fault else None,
        )
        with self.lock:
            self.requests.append(record)
            if record.model:
                self.models_seen.add(record.model)

    async def _chat(self, scope: Scope, raw: bytes, receive: Receive, send: Send) -> None:
        body = _parse(raw)
        if body is None:
            await self._record(scope, None, None)
            await _json(send, 400, error_body(400, "request body is not a JSON object"))
            return
        model = str(body.get("model") or "")
        fault = self.plan.next(model)
        await self._record(scope, body, fault)
        if fault is not None and await self._misbehave(fault, body, receive, send):
            return
        answer = self._answer(body, model, fault)
        if body.get("stream"):
            cut = fault.after_chunks if fault and fault.kind is FaultKind.CUT else None
            await self._stream(send, body, answer, cut, abrupt=bool(fault and fault.abrupt))
        elif fault is not None and fault.kind is FaultKind.CUT:
            payload = json.dumps(completion(body, answer)).encode()
            await _start(send, 200, "application/json", len(payload))
            await send(
                {
                    "type": "http.response.body",
                    "body": payload[: len(payload) // 2],
                    "more_body": True,
                }
            )
            raise CutConnection
        else:
            await _json(send, 200, completion(body, answer))

    async def _misbehave(
        self, fault: Fault, body: Mapping[str, Any], receive: Receive, send: Send
    ) -> bool:
        """Apply faults that replace the answer; ``True`` when the response was sent."""
        delay = fault.delay_s(self.plan.rng)
        if delay > 0:
            await self._wait(delay, receive=None)
        kind = fault.kind
        if kind is FaultKind.HANG:
            await self._wait(fault.seconds, receive=receive)
            await _json(send, 504, error_body(504, "the fault server stopped hanging"))
        elif kind is FaultKind.RATE_LIMIT:
            headers = _retry_after(fault.retry_after)
            await _json(send, 429, error_body(429, "scripted rate limit"), headers)
        elif kind is FaultKind.STATUS:
            await _json(send, fault.status_code, error_body(fault.status_code, fault.body))
        elif kind is FaultKind.MALFORMED:
            await _send(send, 200, "application/json", fault.body.encode())
        else:
            return False
        return True

    async def _wait(self, seconds: float, *, receive: Receive | None) -> None:
        """Sleep ``seconds``; wake early when the server stops or (with ``receive``) the client
        goes away, so a hang never blocks shutdown."""
        assert self.stopping is not None
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(self.stopping.wait())]
        if receive is not None:
            waiters.append(asyncio.ensure_future(_disconnected(receive)))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _answer(self, body: Mapping[str, Any], model: str, fault: Fault | None) -> Answer:
        fault = fault or _NO_FAULT
        kind = fault.kind
        text, finish, refusal = "", "stop", None
        if kind is FaultKind.REFUSAL:
            finish, refusal = "content_filter", fault.value
        elif kind is FaultKind.FORMAT_DRIFT:
            text = fault.value
        elif kind is FaultKind.CONTENT:
            text = fault.respond(body) if fault.respond else fault.value
        else:
            text = self.respond(body)
            if kind is FaultKind.VERBOSE:
                text = " ".join([text] * fault.factor)
        served = self.aliases.get(model, model)
        return Answer(
            id=f"chatcmpl-fault-{next(self._ids)}",
            model=fault.value if kind is FaultKind.SERVED_MODEL else served,
            text=text,
            fingerprint=fault.value if kind is FaultKind.FINGERPRINT else self.fingerprint,
            created=_CREATED,
            finish_reason=finish,
            refusal=refusal,
        )

    async def _stream(
        self, send: Send, body: Mapping[str, Any], answer: Answer, cut: int | None, *, abrupt: bool
    ) -> None:
        await _start(send, 200, "text/event-stream", None)
        for event in stream_events(body, answer, cut_after=cut):
            if self.stream_delay_s:
                await asyncio.sleep(self.stream_delay_s)
            message = f"data: {event}\n\n".encode()
            await send({"type": "http.response.body", "body": message, "more_body": True})
        if cut is not None and abrupt:
            raise CutConnection
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _embeddings(self, scope: Scope, raw: bytes, send: Send) -> None:
        body = _parse(raw)
        model = str(body.get("model") or "") if body else ""
        fault = self.plan.next(model) if body else None
        await self._record(scope, body, fault)
        if body is None:
            await _json(send, 400, error_body(400, "request body is not a JSON object"))
            return
        if fault is not None and await self._misbehave(fault, body, _never, send):
            return
        served = fault.value if fault and fault.kind is FaultKind.SERVED_MODEL else model
        await _json(send, 200, embeddings(body, self.aliases.get(served, served)))


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _retry_after(spec: str | None) -> list[tuple[bytes, bytes]]:
    if spec is None:
        return []
    form, _, value = spec.partition(":")
    seconds = float(value)
    if form == "ms":
        return [(b"retry-after-ms", str(int(seconds * 1000)).encode())]
    if form == "date":
        return [
            (b"retry-after", email.utils.formatdate(time.time() + seconds, usegmt=True).encode())
        ]
    text = str(int(seconds)) if seconds == int(seconds) else str(seconds)
    return [(b"retry-after", text.encode())]


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _never() -> MutableMapping[str, Any]:
    await asyncio.Event().wait()
    return {}


async def _start(
    send: Send,
    status: int,
    content_type: str,
    length: int | None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [(b"content-type", content_type.encode()), *(extra or [])]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})


async def _send(
    send: Send,
    status: int,
    content_type: str,
    payload: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await _start(send, status, content_type, len(payload), extra)
    await send({"type": "http.response.body", "body": payload})


async def _json(
    send: Send, status: int, data: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _send(send, status, "application/json", json.dumps(data).encode(), extra)

"""What the fault server does wrong, and when: fault specs, per-model queues, a seeded mix."""

from __future__ import annotations

import enum
import math
import random
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = ["Fault", "FaultKind", "FaultPlan", "Responder"]

Responder: TypeAlias = Callable[[Mapping[str, Any]], str]
"""Makes the answer text from the request body (a parsed chat completions request)."""


class FaultKind(enum.StrEnum):
    """The kinds of misbehaviour the fault server can script."""

    LATENCY = "latency"
    HANG = "hang"
    RATE_LIMIT = "rate_limit"
    STATUS = "status"
    MALFORMED = "malformed"
    CUT = "cut"
    SERVED_MODEL = "served_model"
    FINGERPRINT = "fingerprint"
    VERBOSE = "verbose"
    FORMAT_DRIFT = "format_drift"
    REFUSAL = "refusal"
    CONTENT = "content"


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted misbehaviour; build it with the class methods.

    Examples:
        >>> Fault.rate_limit(retry_after_s=2).status_code
        429
        >>> Fault.latency(0.05).kind
        <FaultKind.LATENCY: 'latency'>
    """

    kind: FaultKind
    seconds: float = 0.0
    sigma: float = 0.0
    status_code: int = 200
    retry_after: str | None = None
    body: str = ""
    after_chunks: int = 0
    abrupt: bool = True
    value: str = ""
    factor: int = 1
    respond: Responder | None = None

    @classmethod
    def latency(cls, seconds: float, *, sigma: float = 0.0) -> Fault:
        """Answer normally after ``seconds``; with ``sigma`` > 0, a lognormal delay whose median
        is ``seconds`` (drawn from the server's seeded random source)."""
        return cls(FaultKind.LATENCY, seconds=seconds, sigma=sigma)

    @classmethod
    def hang(cls, seconds: float = 3600.0) -> Fault:
        """Send nothing until the client gives up, the server stops, or ``seconds`` pass."""
        return cls(FaultKind.HANG, seconds=seconds)

    @classmethod
    def rate_limit(cls, retry_after_s: float | None = 1.0, *, header: str = "seconds") -> Fault:
        """HTTP 429. ``header`` is ``"seconds"`` (``Retry-After: 1``), ``"date"`` (an HTTP-date),
        ``"ms"`` (``retry-after-ms``) or ``"none"``."""
        value = None if retry_after_s is None or header == "none" else f"{header}:{retry_after_s}"
        return cls(FaultKind.RATE_LIMIT, status_code=429, retry_after=value)

    @classmethod
    def status(cls, code: int, message: str = "") -> Fault:
        """An HTTP error status with an OpenAI-style error body."""
        return cls(FaultKind.STATUS, status_code=code, body=message or f"scripted HTTP {code}")

    @classmethod
    def server_error(cls) -> Fault:
        """HTTP 500."""
        return cls.status(500, "internal server error")

    @classmethod
    def unavailable(cls) -> Fault:
        """HTTP 503."""
        return cls.status(503, "service unavailable")

    @classmethod
    def malformed(cls, body: str = '{"id": "chatcmpl-broken", "choices": [') -> Fault:
        """HTTP 200 whose body is ``body`` (by default truncated JSON)."""
        return cls(FaultKind.MALFORMED, body=body)

    @classmethod
    def cut_stream(cls, after_chunks: int = 2, *, abrupt: bool = True) -> Fault:
        """Stop after ``after_chunks`` content chunks, before any finish reason or ``[DONE]``.

        ``abrupt`` drops the connection mid-body; otherwise the body ends cleanly. Non-streamed
        requests get half their JSON body and then a dropped connection.
        """
        return cls(FaultKind.CUT, after_chunks=after_chunks, abrupt=abrupt)

    @classmethod
    def served_model(cls, model: str) -> Fault:
        """Answer normally but report ``model`` as the served model (a silent upgrade)."""
        return cls(FaultKind.SERVED_MODEL, value=model)

    @classmethod
    def fingerprint(cls, system_fingerprint: str) -> Fault:
        """Answer normally with another ``system_fingerprint``."""
        return cls(FaultKind.FINGERPRINT, value=system_fingerprint)

    @classmethod
    def verbose(cls, factor: int = 20) -> Fault:
        """Answer with the normal text repeated ``factor`` times (and as many output tokens)."""
        return cls(FaultKind.VERBOSE, factor=factor)

    @classmethod
    def format_drift(cls, text: str = "") -> Fault:
        """Answer in prose although JSON was asked for."""
        return cls(
            FaultKind.FORMAT_DRIFT, value=text or "Sure! Here is what you asked for, in words."
        )

    @classmethod
    def refusal(cls, message: str = "I can't help with that.") -> Fault:
        """Refuse: ``finish_reason`` ``content_filter`` and a ``refusal`` message."""
        return cls(FaultKind.REFUSAL, value=message)

    @classmethod
    def content(cls, respond: Responder | str) -> Fault:
        """Answer with a scripted text, or a text computed from the request body."""
        if isinstance(respond, str):
            text = respond
            return cls(FaultKind.CONTENT, value=text)
        return cls(FaultKind.CONTENT, respond=respond)

    def delay_s(self, rng: random.Random) -> float:
        """The delay this fault adds, drawn from ``rng`` when it is a distribution."""
        if self.kind is not FaultKind.LATENCY:
            return 0.0
        if self.sigma <= 0:
            return self.seconds
        return self.seconds * math.exp(rng.gauss(0.0, self.sigma))


_GLOBAL = "*"


class FaultPlan:
    """Chooses the fault for each request: queued faults first (per model, then global), then
    the seeded random mix, else none. Thread-safe; deterministic for a given seed and request
    order.
    """

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {}
        self._mixes: dict[str, tuple[tuple[float, Fault], ...]] = {}
        self.rng = random.Random(seed)

    def queue(self, faults: tuple[Fault, ...], model: str | None) -> None:
        """Apply ``faults`` to the next requests, one each, in order."""
        with self._lock:
            self._queues.setdefault(model or _GLOBAL, deque()).extend(faults)

    def mix(self, weights: Mapping[Fault, float], model: str | None, seed: int | None) -> None:
        """Apply each fault to a random share of requests (``{fault: probability}``)."""
        total = sum(weights.values())
        if total > 1.0 + 1e-9 or any(p < 0 for p in weights.values()):
            raise ValueError(f"fault probabilities must be >= 0 and sum to <= 1, got {total}")
        cumulative, running = [], 0.0
        for fault, probability in weights.items():
            running += probability
            cumulative.append((running, fault))
        with self._lock:
            self._mixes[model or _GLOBAL] = tuple(cumulative)
            if seed is not None:
                self.rng.seed(seed)

    def clear(self) -> None:
        """Forget every queued fault and mix."""
        with self._lock:
            self._queues.clear()
            self._mixes.clear()

    def pending(self, model: str | None = None) -> int:
        """How many queued faults are left for ``model`` (or the global queue)."""
        return len(self._queues.get(model or _GLOBAL, ()))

    def next(self, model: str) -> Fault | None:
        """The fault for the next request to ``model``."""
        with self._lock:
            for key in (model, _GLOBAL):
                queue = self._queues.get(key)
                if queue:
                    return queue.popleft()
            for key in (model, _GLOBAL):
                mix = self._mixes.get(key)
                if mix:
                    draw = self.rng.random()
                    return next((f for edge, f in mix if draw < edge), None)
        return None

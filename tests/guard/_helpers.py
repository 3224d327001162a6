"""Scripted upstreams for guard tests: real providers driven by a list of outcomes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from surefoot.core import FakeClock
from surefoot.providers import CallableProvider, ChatRequest, ChatResponse, Choice, Usage

Step = str | ChatResponse | BaseException | Callable[[ChatRequest], "str | ChatResponse"]


@dataclass
class Script:
    """Outcomes handed out in order; the last one repeats. Each step may cost fake time."""

    steps: Sequence[Step]
    clock: FakeClock
    latency_s: float = 0.0
    requests: list[ChatRequest] = field(default_factory=list)

    def __call__(self, request: ChatRequest) -> str | ChatResponse:
        index = min(len(self.requests), len(self.steps) - 1)
        self.requests.append(request)
        # A provider gives up at its request's timeout, as real ones do.
        timeout_s = request.timeout_s if request.timeout_s is not None else float("inf")
        self.clock.advance(min(self.latency_s, timeout_s))
        step = self.steps[index]
        if isinstance(step, BaseException):
            raise step
        if callable(step) and not isinstance(step, str | ChatResponse):
            return step(request)
        return step


def scripted(
    clock: FakeClock, *steps: Step, name: str = "up", latency_s: float = 0.0
) -> tuple[CallableProvider, Script]:
    """A provider answering with ``steps`` in order, and its script (to inspect requests)."""
    script = Script(list(steps), clock, latency_s)
    return CallableProvider(script, name=name), script


def request(text: str = "hi", **kwargs: object) -> ChatRequest:
    """A one-message user request."""
    return ChatRequest(model="m-1", messages=[{"role": "user", "content": text}], **kwargs)  # type: ignore[arg-type]


def response(text: str, *, model: str = "m-1", usage: Usage | None = None) -> ChatResponse:
    """A one-choice response served by ``model``."""
    choice = Choice(index=0, content=text, finish_reason="stop")
    return ChatResponse(id="r", model=model, choices=(choice,), usage=usage or Usage())

"""With nothing to validate or score, the decision core's shortcut equals judging the answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from tests.guard._helpers import Step, request, response, scripted

from surefoot.core import ContentFiltered, FakeClock, ProviderUnavailable, RateLimited
from surefoot.guard import (
    Guard,
    GuardResult,
    Length,
    StaticMessage,
    StopAfterAttempts,
    Upstream,
    WaitFixed,
)

_steps = st.lists(
    st.sampled_from(["answer", "other model", "down", "rate limited", "filtered"]),
    min_size=1,
    max_size=4,
)


def _step(kind: str) -> Step:
    match kind:
        case "answer":
            return response("fine")
        case "other model":
            return response("upgraded", model="m-2")  # off the pin: a reason, still served
        case "down":
            return ProviderUnavailable("down")
        case "rate limited":
            return RateLimited("slow down", retry_after_s=0.01)
        case _:
            return ContentFiltered("no")


def _run(scripts: list[list[str]], *, judged: bool) -> GuardResult:
    clock = FakeClock()
    upstreams = [
        Upstream(scripted(clock, *map(_step, steps), name=f"u{i}", latency_s=0.01)[0], model="m-1")
        for i, steps in enumerate(scripts)
    ]
    guard = Guard(
        upstreams,
        fallbacks=[StaticMessage("later")],
        stop=StopAfterAttempts(2),
        wait=WaitFixed(0.01),
        clock=clock,
    )
    # The full path: judge every answer, as a guard with validators or scorers does.
    object.__setattr__(guard.config, "judged", judged)
    return guard.complete(request())


@given(st.lists(_steps, min_size=1, max_size=2))
def test_the_shortcut_decides_as_judging_does(scripts: list[list[str]]) -> None:
    """Whatever the upstreams answer, in whatever order, the result is the same: decision,
    content, response, attempts and error."""
    plain, judged = _run(scripts, judged=False), _run(scripts, judged=True)
    assert plain.decision == judged.decision
    assert plain.content == judged.content
    assert plain.response == judged.response
    assert plain.attempts == judged.attempts
    assert repr(plain.error) == repr(judged.error)


def test_a_guard_without_validators_or_scorers_takes_the_shortcut() -> None:
    """judged is off exactly when there is nothing to validate or score."""
    provider, _ = scripted(FakeClock(), "x")
    assert not Guard([provider]).config.judged
    assert Guard([provider], validation=[Length(max_chars=9)]).config.judged

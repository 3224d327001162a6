"""The README's Python examples, verbatim, so that mypy --strict checks them.

Generated from README.md; tests/typing/test_readme_examples.py keeps the two identical.
"""

import surefoot
from surefoot.core import SpanKind

surefoot.init()  # SQLite in ./.surefoot/, settings from SUREFOOT_* and ./surefoot.toml


@surefoot.trace(kind=SpanKind.RETRIEVAL)
def retrieve(question: str) -> list[str]:
    return ["Routers reboot in 90 seconds."]


def answer(question: str) -> str:
    with surefoot.span("support.answer", kind=SpanKind.REQUEST, input=question) as span:
        docs = retrieve(question)
        reply = f"From our docs: {docs[0]}"
        span.set_output(reply)
        return reply


answer("How long does a reboot take?")
surefoot.flush()

# ---- next README example ----
from surefoot.guard import Guard, StaticMessage, Upstream
from surefoot.providers import CallableProvider, ChatRequest


def flaky_model(request: ChatRequest) -> str:
    raise TimeoutError("upstream is down")


guard = Guard(
    [Upstream(CallableProvider(flaky_model, name="primary"), model="acme-chat-2026-01-15")],
    fallbacks=[StaticMessage("We are on it; an agent will reply shortly.")],
    deadline_s=2.0,
)
result = guard.complete(
    ChatRequest(model="acme-chat-2026-01-15", messages=[{"role": "user", "content": "Refund?"}])
)
print(result.decision.status, result.decision.reasons, result.content)

"""The demo's application: a support assistant for a home router, traced end to end.

It is an ordinary application written against the public API: a prompt template, retrieval from
a small knowledge base, a model call through a provider, and validation of the model's JSON
answer. The model is a local Python function that behaves like a real one on a bad day: now and
then it times out, drifts from JSON into prose, or cites a source it was not given.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from dataclasses import dataclass

from surefoot import tracing
from surefoot.core import SpanKind, ValidationFailed
from surefoot.core import semconv as sc
from surefoot.providers import CallableProvider, ChatRequest, ChatResponse, Choice, Usage

PROMPT_VERSION = "support-answer@3"
MODEL_PIN = "nimbus-support-2026-06-01"

ARTICLES = {
    "kb-101": "Reboot: hold the power button for 10 seconds; back in about 90 s.",
    "kb-102": "Reset to factory settings: press the pinhole button for 30 s.",
    "kb-103": "Slow Wi-Fi: move the router off the floor and switch the 5 GHz band on in the app.",
    "kb-104": "Firmware updates install at 03:00 local time; the light blinks blue meanwhile.",
    "kb-105": "Guest network: open the app, choose Network, then Guest, and set a password.",
    "kb-106": "Parental controls: schedules per device are under Family in the app.",
    "kb-107": "Port forwarding: Advanced, then Ports; map an external port to a device and port.",
    "kb-108": "Red light: the router has no internet; check the modem cable, reboot both.",
    "kb-109": "Mesh: pair a satellite by holding its button until the light turns white.",
    "kb-110": "Warranty: two years from purchase; keep the receipt and the serial number.",
}

QUESTIONS = [
    "How do I reboot my router?",
    "my wifi is really slow upstairs, what can I do",
    "How do I set up a guest network for visitors?",
    "The light is red, what does that mean?",
    "How long is the warranty?",
    "How do I reset to factory settings?",
    "When do firmware updates happen? The light blinks blue at night.",
    "I'm jane.doe@example.com, can parental controls schedule my son's tablet?",
    "How can I forward port 25565 to my game server?",
    "How do I pair a mesh satellite?",
    "Call me on +1 415 555 0132, the router keeps rebooting",
    "my card 4111 1111 1111 1111 was charged twice for the mesh kit, warranty?",
]

_WORD = re.compile(r"[a-z0-9]+")
_STOP = {"the", "a", "an", "do", "i", "how", "my", "is", "what", "to", "for", "can", "me", "on"}


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved article and its relevance score in [0, 1]."""

    doc_id: str
    text: str
    score: float


def _terms(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


@tracing.trace(kind=SpanKind.RETRIEVAL)
def retrieve(question: str, k: int = 3) -> list[Passage]:
    """The k articles sharing the most terms with the question."""
    asked = _terms(question)
    scored = [
        Passage(doc_id, text, len(asked & _terms(text)) / max(len(asked), 1))
        for doc_id, text in ARTICLES.items()
    ]
    top = sorted(scored, key=lambda p: (-p.score, p.doc_id))[:k]
    span = tracing.current_span()
    span.set_attribute(sc.SF_RETRIEVAL_DOCUMENTS, [p.doc_id for p in top])
    span.set_attribute(sc.SF_RETRIEVAL_SCORES, [round(p.score, 3) for p in top])
    return top


def build_prompt(question: str, passages: list[Passage]) -> list[dict[str, str]]:
    """The chat messages for the model, from the versioned prompt template."""
    with tracing.span("prompt " + PROMPT_VERSION, kind=SpanKind.PROMPT) as span:
        sources = "\n".join(f"[{p.doc_id}] {p.text}" for p in passages)
        messages = [
            {
                "role": "system",
                "content": "You are Nimbus support. Answer only from the sources below and reply "
                'as JSON {"answer": str, "sources": [ids]}.\nSources:\n' + sources,
            },
            {"role": "user", "content": question},
        ]
        span.set_attribute(sc.SF_PROMPT_VERSION, PROMPT_VERSION)
        span.set_output(messages)
        return messages


class SupportModel:
    """A deterministic stand-in for a hosted model, with a hosted model's bad days."""

    def __init__(self, *, seed: int = 7, failure_rate: float = 0.1) -> None:
        self.seed = seed
        self.failure_rate = failure_rate
        self._rng = random.Random(seed)

    def __call__(self, request: ChatRequest) -> ChatResponse:
        system = str(request.messages[0]["content"])
        question = str(request.messages[-1]["content"])
        cited = re.findall(r"\[(kb-\d+)\] ([^\n]+)", system)
        roll = self._rng.random()
        if roll < self.failure_rate * 0.4:
            raise TimeoutError("the model did not answer within 2.0 s")
        if roll < self.failure_rate * 0.7:
            content = f"Sure! Happy to help with '{question}'. Have you tried turning it off?"
        elif roll < self.failure_rate:
            content = json.dumps({"answer": "See our website.", "sources": ["kb-999"]})
        else:
            doc_id, text = cited[0]
            content = json.dumps({"answer": text, "sources": [doc_id]})
        words_in = sum(len(str(m["content"]).split()) for m in request.messages)
        return ChatResponse(
            id=f"demo-{zlib.crc32(question.encode()):08x}-{self._rng.getrandbits(32):08x}",
            model=MODEL_PIN,
            choices=(Choice(index=0, content=content, finish_reason="stop"),),
            usage=Usage(input_tokens=int(words_in * 1.3), output_tokens=len(content.split()) + 4),
        )


def validate(raw: str, passages: list[Passage]) -> dict[str, object]:
    """Parse the model's JSON answer and check it cites only retrieved sources."""
    with tracing.span("validate answer", kind=SpanKind.VALIDATION, input=raw) as span:
        try:
            answer = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed(f"answer is not JSON: {exc.msg} at char {exc.pos}") from exc
        allowed = {p.doc_id for p in passages}
        unknown = set(answer.get("sources", [])) - allowed
        if not isinstance(answer.get("answer"), str) or unknown:
            raise ValidationFailed(f"answer cites sources it was not given: {sorted(unknown)}")
        span.set_output("valid")
        return dict(answer)


def answer(provider: CallableProvider, question: str, *, user: str) -> dict[str, object]:
    """One support request: retrieve, prompt, call the model, validate; traced as one trace."""
    with tracing.span("support.answer", kind=SpanKind.REQUEST, input=question) as span:
        span.set_attribute("enduser.id", user)
        passages = retrieve(question)
        messages = build_prompt(question, passages)
        response = provider.complete(
            ChatRequest(model=MODEL_PIN, messages=messages, temperature=0.0, max_tokens=200)
        )
        result = validate(response.content, passages)
        span.set_output(result)
        return result

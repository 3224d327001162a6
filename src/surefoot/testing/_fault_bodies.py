"""OpenAI-shaped bodies the fault server sends: completions, stream chunks, embeddings, errors.

All deterministic: the same request gives the same bytes (ids count up per server).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Answer", "completion", "default_text", "embeddings", "error_body", "stream_events"]

_TOKEN_RE = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True, slots=True)
class Answer:
    """What one request is answered with, after the fault is applied."""

    id: str
    model: str
    text: str
    fingerprint: str
    created: int
    finish_reason: str = "stop"
    refusal: str | None = None


def last_user_text(body: Mapping[str, Any]) -> str:
    """The text of the last user message (joined text parts for multi-part content)."""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content or "")
    return ""


def wants_json(body: Mapping[str, Any]) -> bool:
    """Whether the request asked for JSON output."""
    fmt = body.get("response_format")
    return isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema")


def default_text(body: Mapping[str, Any]) -> str:
    """The normal answer: an echo of the last user message, as JSON when JSON was asked for."""
    text = last_user_text(body)
    return json.dumps({"answer": text}) if wants_json(body) else f"echo: {text}"


def tokens(text: str) -> list[str]:
    """Whitespace-delimited pieces that join back to ``text``; stand-ins for model tokens."""
    return _TOKEN_RE.findall(text)


def _count(body: Mapping[str, Any]) -> int:
    messages = body.get("messages") or []
    return sum(len(str(m.get("content", "")).split()) for m in messages if isinstance(m, dict))


def _logprobs(pieces: list[str], top: int) -> dict[str, Any]:
    # Deterministic and plausible: longer tokens are a little less likely.
    content = []
    for piece in pieces:
        logprob = -0.01 * len(piece)
        alternatives = [{"token": piece, "logprob": logprob, "bytes": None}]
        alternatives += [
            {"token": f"{piece.strip()}_{k}", "logprob": logprob - 2.0 * k, "bytes": None}
            for k in range(1, top)
        ]
        content.append(
            {"token": piece, "logprob": logprob, "bytes": None, "top_logprobs": alternatives[:top]}
        )
    return {"content": content, "refusal": None}


def _wants_logprobs(body: Mapping[str, Any]) -> tuple[bool, int]:
    top = body.get("top_logprobs")
    return bool(body.get("logprobs")), int(top) if isinstance(top, int) else 0


def _usage(body: Mapping[str, Any], text: str) -> dict[str, int]:
    prompt, completion_tokens = _count(body), len(tokens(text))
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }


def completion(body: Mapping[str, Any], answer: Answer) -> dict[str, Any]:
    """A ``chat.completion`` object."""
    n = int(body.get("n") or 1)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": answer.text,
        "refusal": answer.refusal,
    }
    if answer.refusal is not None:
        message["content"] = None
    logprobs, top = _wants_logprobs(body)
    choice_logprobs = _logprobs(tokens(answer.text), top) if logprobs else None
    choices = [
        {
            "index": i,
            "message": message,
            "logprobs": choice_logprobs,
            "finish_reason": answer.finish_reason,
        }
        for i in range(n)
    ]
    return {
        "id": answer.id,
        "object": "chat.completion",
        "created": answer.created,
        "model": answer.model,
        "system_fingerprint": answer.fingerprint,
        "choices": choices,
        "usage": _usage(body, answer.text if answer.refusal is None else ""),
    }


def stream_events(body: Mapping[str, Any], answer: Answer, *, cut_after: int | None) -> list[str]:
    """The SSE ``data:`` payloads of a streamed answer, ``[DONE]`` included.

    With ``cut_after``, only the first ``cut_after`` content chunks (no finish, no ``[DONE]``).
    """
    head = {
        "id": answer.id,
        "object": "chat.completion.chunk",
        "created": answer.created,
        "model": answer.model,
        "system_fingerprint": answer.fingerprint,
    }
    logprobs, top = _wants_logprobs(body)

    def chunk(delta: dict[str, Any], finish: str | None = None, lp: Any = None) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": lp, "finish_reason": finish}
        return json.dumps({**head, "choices": [choice]})

    pieces = tokens(answer.text) if answer.refusal is None else []
    events = [chunk({"role": "assistant", "content": ""})]
    sent = pieces if cut_after is None else pieces[:cut_after]
    events.extend(
        chunk({"content": piece}, lp=_logprobs([piece], top) if logprobs else None)
        for piece in sent
    )
    if cut_after is not None:
        return events
    if answer.refusal is not None:
        events.append(chunk({"refusal": answer.refusal}))
    events.append(chunk({}, finish=answer.finish_reason))
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        usage = _usage(body, "".join(pieces))
        events.append(json.dumps({**head, "choices": [], "usage": usage}))
    events.append("[DONE]")
    return events


def _vector(text: str, dimensions: int) -> list[float]:
    digest = b""
    counter = 0
    while len(digest) < dimensions:
        digest += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    raw = [b / 127.5 - 1.0 for b in digest[:dimensions]]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [round(x / norm, 6) for x in raw]


def embeddings(body: Mapping[str, Any], model: str) -> dict[str, Any]:
    """An embeddings list: a unit vector per input derived from its hash."""
    inputs = body.get("input")
    texts = [inputs] if isinstance(inputs, str) else [str(t) for t in inputs or []]
    dimensions = int(body.get("dimensions") or 8)
    data = [
        {"object": "embedding", "index": i, "embedding": _vector(t, dimensions)}
        for i, t in enumerate(texts)
    ]
    prompt_tokens = sum(len(t.split()) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error envelope."""
    kind = (
        "rate_limit_exceeded"
        if status == 429
        else "server_error"
        if status >= 500
        else "invalid_request_error"
    )
    return {"error": {"message": message, "type": kind, "param": None, "code": code or kind}}

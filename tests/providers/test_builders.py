"""The providers' hot-path builders equal the plain constructions they replace."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot.core import MalformedResponse
from surefoot.providers import (
    ChatRequest,
    ChatResponse,
    Choice,
    ResponseFormat,
    TokenLogprob,
    Usage,
)
from surefoot.providers._build import new_chat_response, new_choice, new_usage
from surefoot.providers._frozen import draft_class
from surefoot.providers._http import _TimeoutCache, _timeouts
from surefoot.providers._wire import chat_body, parse_chat

_text = st.text(max_size=6)
_opt_text = st.none() | _text
_counts = st.integers(0, 10**6)


def _fields(obj: object) -> dict[str, object]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


@given(_counts, _counts, _counts, _counts)
def test_usage_equals_the_constructed_one(a: int, b: int, c: int, d: int) -> None:
    """new_usage gives Usage(...) field for field, frozen and hashable alike."""
    built, expected = new_usage(a, b, c, d), Usage(a, b, c, d)
    assert type(built) is Usage and _fields(built) == _fields(expected)
    assert hash(built) == hash(expected)


@given(st.integers(0, 3), _opt_text, _opt_text, _text, st.booleans(), _opt_text)
def test_a_choice_equals_the_constructed_one(
    index: int, content: str | None, finish: str | None, role: str, tools: bool, refusal: str | None
) -> None:
    """new_choice gives Choice(...) field for field."""
    calls = ({"id": "t"},) if tools else ()
    built = new_choice(index, content, finish, role, calls, refusal, None)
    expected = Choice(index, content, finish, role, calls, refusal, None)
    assert type(built) is Choice and _fields(built) == _fields(expected)


@given(_text, _text, _opt_text, st.none() | st.integers())
def test_a_response_equals_the_constructed_one(
    id_: str, model: str, fingerprint: str | None, created: int | None
) -> None:
    """new_chat_response gives ChatResponse(...) field for field, the raw body included."""
    choices, usage, raw = (Choice(0, "x", "stop"),), Usage(1, 2), {"id": id_}
    built = new_chat_response(id_, model, choices, usage, fingerprint, created, raw)
    expected = ChatResponse(id_, model, choices, usage, fingerprint, created, raw)
    assert type(built) is ChatResponse and _fields(built) == _fields(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.model = "other"  # type: ignore[misc]


def test_a_draft_needs_a_slotted_dataclass_without_post_init() -> None:
    """Classes a draft cannot stand in for are refused when the builder is defined."""

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        x: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        x: int

        def __post_init__(self) -> None:
            pass

    for cls in (NoSlots, PostInit):
        with pytest.raises(TypeError):
            draft_class(cls)


# A chat completions body as servers send it: the fields parse_chat reads, each sometimes
# missing, sometimes of the wrong type.
_messages = st.fixed_dictionaries(
    {"content": st.none() | _text},
    optional={
        "role": st.none() | _text | st.integers(),
        "tool_calls": st.none() | st.just([]) | st.just([{"id": "t"}]),
        "refusal": st.none() | _text | st.integers(),
    },
)
_choices = st.fixed_dictionaries(
    {"message": _messages},
    optional={
        "index": st.integers(0, 3),
        "finish_reason": st.none() | _text | st.integers(),
        "logprobs": st.none() | st.just({"content": [{"token": "a", "logprob": -0.1}]}),
    },
)
_bodies = st.fixed_dictionaries(
    {"model": _text, "choices": st.lists(_choices, min_size=1, max_size=3)},
    optional={
        "id": st.none() | _text | st.integers(),
        "created": st.none() | st.integers() | _text,
        "system_fingerprint": st.none() | _text | st.integers(),
        "usage": st.none()
        | st.fixed_dictionaries(
            {"prompt_tokens": _counts, "completion_tokens": _counts},
            optional={"prompt_tokens_details": st.just({"cached_tokens": 2})},
        ),
    },
)


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _expected(body: dict[str, Any]) -> ChatResponse:
    """What parse_chat must return, built with the types' own constructors."""
    choices = []
    for position, raw in enumerate(body["choices"]):
        message = raw["message"]
        tokens = (raw.get("logprobs") or {}).get("content")
        logprobs = None if tokens is None else tuple(TokenLogprob("a", -0.1) for _ in tokens)
        choices.append(
            Choice(
                index=raw.get("index", position),
                content=message.get("content"),
                finish_reason=_opt_str(raw.get("finish_reason")),
                role=_opt_str(message.get("role")) or "assistant",
                tool_calls=tuple(message.get("tool_calls") or ()),
                refusal=_opt_str(message.get("refusal")),
                logprobs=logprobs,
            )
        )
    usage = body.get("usage") or {}
    return ChatResponse(
        id=str(body.get("id") or ""),
        model=body["model"],
        choices=tuple(choices),
        usage=Usage(
            input_tokens=usage.get("prompt_tokens", 0),
            output_tokens=usage.get("completion_tokens", 0),
            cached_input_tokens=(usage.get("prompt_tokens_details") or {}).get("cached_tokens", 0),
        ),
        system_fingerprint=_opt_str(body.get("system_fingerprint")),
        created=body.get("created") if isinstance(body.get("created"), int) else None,
        raw=body,
    )


@given(_bodies)
def test_a_body_parses_into_what_the_constructors_build(body: dict[str, Any]) -> None:
    """parse_chat maps every field it reads as the constructors would, raw body included."""
    parsed = parse_chat(json.loads(json.dumps(body)), "p")
    expected = _expected(body)
    assert parsed == expected and parsed.raw == body


def test_a_non_text_content_is_malformed() -> None:
    """Content that is not text is a malformed response, not a choice."""
    with pytest.raises(MalformedResponse, match="not text"):
        parse_chat({"model": "m", "choices": [{"message": {"content": 3}}]}, "p")


_requests = st.builds(
    ChatRequest,
    model=_text,
    messages=st.lists(st.fixed_dictionaries({"role": st.just("user"), "content": _text})),
    temperature=st.none() | st.floats(0.0, 2.0),
    top_p=st.none() | st.floats(0.0, 1.0),
    max_tokens=st.none() | st.integers(1, 9),
    stop=st.none() | _text | st.lists(_text, max_size=2),
    seed=st.none() | st.integers(0, 9),
    n=st.none() | st.integers(1, 3),
    response_format=st.none() | st.just(ResponseFormat.json_object()),
    logprobs=st.booleans(),
    top_logprobs=st.none() | st.integers(0, 5),
    tool_choice=st.none() | st.just("auto"),
    extra_body=st.none() | st.just({"x": 1}),
)


@given(_requests, st.booleans())
def test_a_body_sends_only_what_was_asked_in_a_fixed_order(
    request: ChatRequest, stream: bool
) -> None:
    """The body's JSON is the model, the messages, then every set parameter in field order."""
    optional = {
        "temperature": request.temperature,
        "top_p": request.top_p,
        "max_tokens": request.max_tokens,
        "seed": request.seed,
        "n": request.n,
        "tool_choice": request.tool_choice,
    }
    expected: dict[str, Any] = {"model": request.model, "messages": list(request.messages)}
    expected.update({k: v for k, v in optional.items() if v is not None})
    body = chat_body(request, stream=stream)
    assert list(body)[: len(expected)] == list(expected)
    assert {k: body[k] for k in expected} == expected


@given(st.lists(st.sampled_from([0.5, 1.0, 2.5, 30.0]), max_size=12))
def test_timeout_extensions_always_match_the_timeout_asked(timeouts: list[float]) -> None:
    """Whatever the order of timeouts, each call gets the extensions of its own timeout."""
    cache = _TimeoutCache()
    for timeout_s in timeouts:
        assert cache(timeout_s) == _timeouts(timeout_s)

"""Providers backed by Python code: any callable, or a classic ML classifier."""

from __future__ import annotations

import asyncio
import inspect
import itertools
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias

from surefoot.core.errors import (
    InvalidInput,
    MalformedResponse,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    SurefootError,
)
from surefoot.providers._base import Provider
from surefoot.providers._build import new_chat_response, new_choice
from surefoot.providers._types import (
    ChatRequest,
    ChatResponse,
    Choice,
    TokenLogprob,
    TopLogprob,
    Usage,
)

__all__ = ["CallableProvider", "ClassifierProvider", "Handler"]

Handler: TypeAlias = Callable[
    [ChatRequest], "ChatResponse | str | Awaitable[ChatResponse] | Awaitable[str]"
]
"""A model as a function: takes a request, returns a response or just the answer text."""

_ids = itertools.count(1)
_NO_USAGE = Usage()  # frozen: one instance serves every response that reports none


def _wrap_error(exc: Exception, provider: str) -> SurefootError:
    """Handler errors as provider errors, so the guard treats them like any upstream's."""
    if isinstance(exc, SurefootError):
        return exc
    text = f"handler of {provider!r} raised {type(exc).__name__}: {exc}"
    if isinstance(exc, TimeoutError):
        return ProviderTimeout(text, provider=provider)
    if isinstance(exc, ConnectionError):
        return ProviderUnavailable(text, provider=provider)
    return ProviderError(text, provider=provider, hint="fix the handler; the traceback is chained")


def _response(request: ChatRequest, result: object, provider: str) -> ChatResponse:
    if isinstance(result, ChatResponse):
        return result
    if isinstance(result, str):
        # ChatResponse(id=..., model=..., choices=(Choice(0, result, "stop"),)) with every
        # default spelled out, built as drafts: a model as a function is called often.
        choice = new_choice(0, result, "stop", "assistant", (), None, None)
        return new_chat_response(
            f"{provider}-{next(_ids)}", request.model, (choice,), _NO_USAGE, None, None, {}
        )
    raise MalformedResponse(
        f"handler of {provider!r} returned {type(result).__name__}, not a ChatResponse or str",
        provider=provider,
    )


class CallableProvider(Provider):
    """Any Python model behind the provider interface (after httpx's ``MockTransport``).

    Args:
        handler: sync or async; takes the :class:`ChatRequest` and returns a
            :class:`ChatResponse` or the answer text (then the served model is the requested one
            and the finish reason ``"stop"``). Exceptions other than surefoot's become
            :class:`~surefoot.core.errors.ProviderError` (``TimeoutError`` becomes
            ``ProviderTimeout``, ``ConnectionError`` becomes ``ProviderUnavailable``).
        name: the provider's name.

    Examples:
        >>> from surefoot.providers import ChatRequest
        >>> echo = CallableProvider(lambda req: req.messages[-1]["content"].upper(), name="echo")
        >>> request = ChatRequest(model="echo-1", messages=[{"role": "user", "content": "hi"}])
        >>> echo.complete(request).content
        'HI'
    """

    def __init__(self, handler: Handler, *, name: str = "callable") -> None:
        super().__init__(name=name)
        self._handler = handler
        call = getattr(handler, "__call__", None)  # noqa: B004 - async __call__ counts too
        self._is_async = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(call)

    def _complete(self, request: ChatRequest) -> ChatResponse:
        try:
            if self._is_async:
                result = _run_sync(self._handler(request), self.name)
            else:
                result = self._handler(request)
        except Exception as exc:
            raise _wrap_error(exc, self.name) from exc
        return _response(request, result, self._name)

    async def _acomplete(self, request: ChatRequest) -> ChatResponse:
        try:
            if self._is_async:
                result = await self._handler(request)  # type: ignore[misc]
            else:
                # A sync model may block (inference); keep it off the event loop.
                result = await asyncio.to_thread(self._handler, request)
        except Exception as exc:
            raise _wrap_error(exc, self.name) from exc
        return _response(request, result, self._name)


def _run_sync(awaitable: Any, provider: str) -> object:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(awaitable))
    awaitable.close()
    raise InvalidInput(
        f"the async handler of {provider!r} cannot be called synchronously inside an event loop",
        hint="use `await provider.acomplete(request)`",
    )


async def _await(awaitable: Awaitable[object]) -> object:
    return await awaitable


def _last_user_text(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


class ClassifierProvider(Provider):
    """A classifier (scikit-learn style, duck-typed) behind the provider interface.

    The answer's content is the most probable label; the choice's ``logprobs`` hold one token
    whose ``top_logprobs`` carry every label's log probability, best first, so confidence
    scorers (for example the margin between the top two classes) read them like an LLM's.

    Args:
        predict_proba: an estimator with ``predict_proba`` or the function itself; it takes a
            list of feature rows and returns one probability row per input.
        labels: the class names, in the column order of ``predict_proba``.
        name: the provider's name.
        featurize: turns a request into one feature row; by default the last user message text.
        model: the served model id reported in responses; by default the requested one.
    """

    def __init__(
        self,
        predict_proba: Any,
        labels: Sequence[str],
        *,
        name: str = "classifier",
        featurize: Callable[[ChatRequest], Any] = _last_user_text,
        model: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._predict = getattr(predict_proba, "predict_proba", predict_proba)
        self._labels = tuple(labels)
        self._featurize = featurize
        self._model = model

    def _complete(self, request: ChatRequest) -> ChatResponse:
        try:
            row = [float(p) for p in self._predict([self._featurize(request)])[0]]
        except Exception as exc:
            raise _wrap_error(exc, self.name) from exc
        if len(row) != len(self._labels):
            raise MalformedResponse(
                f"classifier {self.name!r} returned {len(row)} probabilities for "
                f"{len(self._labels)} labels",
                provider=self.name,
                hint="pass labels in the column order of predict_proba (e.g. estimator.classes_)",
            )
        ranked = sorted(zip(self._labels, row, strict=True), key=lambda lp: -lp[1])
        # log(0) is -inf, which JSON cannot carry; 1e-300 keeps it finite and still ~-690.
        tops = tuple(TopLogprob(label, math.log(max(p, 1e-300))) for label, p in ranked)
        top = TokenLogprob(token=tops[0].token, logprob=tops[0].logprob, top_logprobs=tops)
        choice = Choice(index=0, content=top.token, finish_reason="stop", logprobs=(top,))
        return ChatResponse(
            id=f"{self.name}-{next(_ids)}",
            model=self._model or request.model,
            choices=(choice,),
            raw={"probabilities": dict(ranked)},
        )

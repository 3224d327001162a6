"""``@trace``: a span around every call of a sync, async, generator or async generator function.

For generators the span covers the whole iteration, and it is the current span only while the
generator's own code runs: between two items the consumer's code sees its own span, not the
generator's (a plain ``with`` inside a generator would leak it to the consumer).
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, overload

from surefoot.core._records import SpanKind
from surefoot.tracing._payload import to_jsonable
from surefoot.tracing._span import _CURRENT, Span, span

if TYPE_CHECKING:
    from collections.abc import Callable, Generator

__all__ = ["trace"]

P = ParamSpec("P")
R = TypeVar("R")

_MAX_ITEMS = 1000  # yielded items kept as a generator's output; the rest are only counted


@overload
def trace(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def trace(
    *,
    name: str | None = None,
    kind: SpanKind = SpanKind.TOOL,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def trace(
    func: Callable[P, R] | None = None,
    /,
    *,
    name: str | None = None,
    kind: SpanKind = SpanKind.TOOL,
    capture_input: bool = True,
    capture_output: bool = True,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Trace every call of the decorated function; use as ``@trace`` or ``@trace(...)``.

    Args:
        func: the function, when used without parentheses.
        name: the span name; default the function's qualified name.
        kind: what the span measures.
        capture_input: record the arguments (by parameter name) as the span's input.
        capture_output: record the return value (or the yielded items) as the span's output.

    Returns:
        The wrapped function, with the same signature.
    """

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        wrapped: Callable[P, R] = _wrap(
            fn, name or fn.__qualname__, kind, capture_input, capture_output
        )
        return wrapped

    return decorate if func is None else decorate(func)


def _wrap(fn: Any, name: str, kind: SpanKind, cap_in: bool, cap_out: bool) -> Any:
    bind = _binder(fn) if cap_in else None

    def start(args: Any, kwargs: Any) -> Span:
        if bind is None:
            return span(name, kind)
        return span(name, kind, input=bind(args, kwargs))

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def agen_wrapper(*args: Any, **kwargs: Any) -> Any:
            sp = start(args, kwargs)
            items: list[Any] | None = [] if cap_out else None
            with _Finisher(sp, items):
                gen = fn(*args, **kwargs)
                method: Any = gen.asend
                arg: Any = None
                while True:
                    # The span is current only while the generator's own code runs.
                    token = _CURRENT.set(sp)
                    try:
                        item = await method(arg)
                    except StopAsyncIteration:
                        return
                    finally:
                        _CURRENT.reset(token)
                    _collect(items, item)
                    try:
                        arg = yield item
                        method = gen.asend
                    except GeneratorExit:
                        await gen.aclose()
                        raise
                    except BaseException as exc:
                        method, arg = gen.athrow, exc

        return agen_wrapper

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args: Any, **kwargs: Any) -> Any:
            sp = start(args, kwargs)
            items: list[Any] | None = [] if cap_out else None
            with _Finisher(sp, items):
                return (yield from _drive(sp, fn(*args, **kwargs), items))

        return gen_wrapper

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with start(args, kwargs) as sp:
                result = await fn(*args, **kwargs)
                if cap_out:
                    sp.set_output(result)
                return result

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with start(args, kwargs) as sp:
            result = fn(*args, **kwargs)
            if cap_out:
                sp.set_output(result)
            return result

    return wrapper


def _binder(fn: Any) -> Callable[[tuple[Any, ...], dict[str, Any]], dict[str, Any]]:
    """A fast ``(args, kwargs) -> {parameter: value}``; ``self`` and ``cls`` are left out."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    simple = all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)
    names = [p.name for p in params]
    skip = 1 if names and names[0] in ("self", "cls") else 0
    if simple:

        def bind_simple(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
            bound = dict(zip(names[skip:], args[skip:], strict=False))
            if kwargs:
                bound.update(kwargs)
            return bound

        return bind_simple

    sig = inspect.signature(fn)

    def bind_full(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            arguments = sig.bind_partial(*args, **kwargs).arguments
        except TypeError:  # the call itself is wrong; the function will raise, not us
            return {"args": list(args), "kwargs": kwargs}
        return {k: v for i, (k, v) in enumerate(arguments.items()) if i >= skip}

    return bind_full


class _Finisher:
    """Ends a generator's span with its error (if any) and its collected items."""

    __slots__ = ("_items", "_span")

    def __init__(self, sp: Span, items: list[Any] | None) -> None:
        self._span, self._items = sp, items

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None and exc_type is not GeneratorExit:
            self._span.record_error(exc)
        if self._items is not None:
            self._span.set_output(self._items)
        self._span.end()


def _collect(items: list[Any] | None, item: Any) -> None:
    if items is not None and len(items) < _MAX_ITEMS:
        items.append(to_jsonable(item))  # a snapshot: the consumer may mutate the item later


def _drive(
    sp: Span, gen: Generator[Any, Any, Any], items: list[Any] | None
) -> Generator[Any, Any, Any]:
    """Run ``gen`` with ``sp`` current during each step, forwarding send/throw/close."""
    method: Any = gen.send
    arg: Any = None
    while True:
        token = _CURRENT.set(sp)
        try:
            item = method(arg)
        except StopIteration as stop:
            return stop.value
        finally:
            _CURRENT.reset(token)
        _collect(items, item)
        try:
            arg = yield item
            method = gen.send
        except GeneratorExit:
            gen.close()
            raise
        except BaseException as exc:
            method, arg = gen.throw, exc

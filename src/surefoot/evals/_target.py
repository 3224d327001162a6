"""Targets: what an eval calls per case (a Python callable, a Provider, a Guard or a URL)."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from surefoot.core.errors import GuardError, InvalidInput
from surefoot.providers import ChatRequest, ChatResponse, OpenAICompatibleProvider, Provider
from surefoot.tracing import PriceTable, Usage

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from surefoot.guard import Guard

__all__ = [
    "CallableTarget",
    "GuardTarget",
    "ProviderTarget",
    "Target",
    "TargetOutput",
    "config_hash",
    "is_conversation",
    "url_target",
]


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 of a configuration's canonical JSON: the result cache's key with the case hash.

    Examples:
        >>> config_hash({"b": 1, "a": 2}) == config_hash({"a": 2, "b": 1})
        True
    """
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TargetOutput:
    """A target's answer with what it cost, when a target knows."""

    output: Any
    cost_usd: float | None = None


class Target(Protocol):
    """Anything the runner can call per case; ``config`` identifies it in the result cache."""

    @property
    def config(self) -> Mapping[str, Any]: ...

    async def acall(self, input: Any) -> TargetOutput: ...


class CallableTarget:
    """A Python function (sync or async) of the case input.

    Sync functions run in a worker thread so that per-case timeouts and concurrency hold.

    Args:
        fn: called with the case input; may return a :class:`TargetOutput` to report a cost.
        config: what identifies this function's behaviour (model, prompt version ...); results
            are cached under it. Defaults to the function's qualified name.
    """

    def __init__(self, fn: Callable[[Any], Any], config: Mapping[str, Any] | None = None) -> None:
        self.fn = fn
        name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
        self._config = dict(config) if config is not None else {"callable": name}
        self._async = inspect.iscoroutinefunction(fn)

    @property
    def config(self) -> Mapping[str, Any]:
        """The configuration results are cached under."""
        return self._config

    async def acall(self, input: Any) -> TargetOutput:
        """Call the function with ``input``."""
        if self._async:
            value = await self.fn(input)
        else:
            value = await asyncio.to_thread(self.fn, input)
        return value if isinstance(value, TargetOutput) else TargetOutput(value)


_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_SYSTEM_ROLES = frozenset({"system", "developer"})


def is_conversation(input: Any) -> bool:
    """Whether a case input is a list of OpenAI chat messages (as escalations store them).

    Raises:
        InvalidInput: a non-empty list mixes messages with other values, or names an unknown
            role; fix the case in its dataset.

    Examples:
        >>> is_conversation([{"role": "user", "content": "hi"}])
        True
        >>> is_conversation("hi"), is_conversation([1, 2])
        (False, False)
    """
    if not isinstance(input, list) or not input:
        return False
    looks = [isinstance(m, dict) and "role" in m for m in input]
    if not any(looks):
        return False  # a plain list (e.g. retrieval ids) is templated like any other value
    bad = next((i for i, m in enumerate(input) if not looks[i] or m["role"] not in _ROLES), None)
    if bad is not None:
        raise InvalidInput(
            f"message {bad} of a chat input is {input[bad]!r}, not an OpenAI chat message",
            hint="give every message a 'role' (" + ", ".join(sorted(_ROLES)) + ") and a "
            "'content', or make the input a string",
        )
    return True


def _messages(system: str | None, prompt: str, input: Any) -> list[dict[str, Any]]:
    head = [{"role": "system", "content": system}] if system else []
    if is_conversation(input):
        # Sent as they are: the case carries its own conversation, and its own system prompt
        # wins over the suite's (a production escalation replays exactly what was served).
        conversation = [dict(m) for m in input]
        if any(m["role"] in _SYSTEM_ROLES for m in conversation):
            return conversation
        return head + conversation
    values = input if isinstance(input, dict) else {"input": input}
    user = prompt.format(**values) if isinstance(input, dict) else prompt.format(input=input)
    return [*head, {"role": "user", "content": user}]


class _ChatTarget:
    """Shared request building of chat targets."""

    def __init__(
        self,
        model: str,
        *,
        system: str | None = None,
        prompt: str = "{input}",
        temperature: float = 0.0,
        seed: int | None = None,
        max_tokens: int | None = None,
    ) -> None:
        self.model, self.system, self.prompt = model, system, prompt
        self.temperature, self.seed, self.max_tokens = temperature, seed, max_tokens

    def _chat_config(self, via: str) -> dict[str, Any]:
        return {
            "via": via,
            "model": self.model,
            "system": self.system,
            "prompt": self.prompt,
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
        }

    def request(self, input: Any) -> ChatRequest:
        """The chat request for one case."""
        return ChatRequest(
            model=self.model,
            messages=_messages(self.system, self.prompt, input),
            temperature=self.temperature,
            seed=self.seed,
            max_tokens=self.max_tokens,
        )


@functools.cache
def _builtin_prices() -> PriceTable:
    return PriceTable.builtin()


def _cost(prices: PriceTable, response: ChatResponse) -> float | None:
    # Priced by the served model, as the tracing layer does; unknown models have no cost.
    price = prices.lookup(response.model)
    if price is None:
        return None
    u = response.usage
    usage = Usage(u.input_tokens, u.output_tokens, u.cached_input_tokens, 0, u.reasoning_tokens)
    return price.cost(usage)


class ProviderTarget(_ChatTarget):
    """A chat model through a :class:`~surefoot.providers.Provider`.

    Args:
        provider: the client.
        model: the pinned model id.
        system: the system prompt, if any.
        prompt: the user message template; ``{input}`` (or the keys of a dict input). A case
            whose input is a list of chat messages is sent as those messages instead, with
            ``system`` prepended only when they carry no system message of their own.
        temperature: sampling temperature (0 for repeatable evals).
        seed: sampling seed, for providers that honour one.
        max_tokens: cap on generated tokens.
        prices: prices the call by its served model (default: the built-in price table).
    """

    def __init__(
        self, provider: Provider, model: str, *, prices: PriceTable | None = None, **kwargs: Any
    ) -> None:
        super().__init__(model, **kwargs)
        self.provider = provider
        self.prices = prices

    @property
    def config(self) -> Mapping[str, Any]:
        """Model, prompts and sampling: what changes the answers."""
        return self._chat_config(self.provider.name)

    async def acall(self, input: Any) -> TargetOutput:
        """Ask the model."""
        response = await self.provider.acomplete(self.request(input))
        return TargetOutput(response.content, _cost(self.prices or _builtin_prices(), response))


class GuardTarget(_ChatTarget):
    """A chat model behind a :class:`~surefoot.guard.Guard`: what users are actually served.

    Takes the same keyword arguments as :class:`ProviderTarget`. A request the guard refuses or
    escalates is recorded as an error carrying the decision's reasons.
    """

    def __init__(self, guard: Guard, model: str, **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self.guard = guard

    @property
    def config(self) -> Mapping[str, Any]:
        """As for a provider, marked as guarded."""
        return self._chat_config("guard")

    async def acall(self, input: Any) -> TargetOutput:
        """Ask through the guard."""
        result = await self.guard.acomplete(self.request(input))
        if not result.ok:
            reasons = "; ".join(result.decision.reasons) or str(result.decision.status)
            raise GuardError(f"the guard did not serve this case ({reasons}); see its trace")
        return TargetOutput(result.content)


def url_target(
    url: str, model: str, *, api_key: str | None = None, **kwargs: Any
) -> ProviderTarget:
    """A target for an OpenAI-compatible endpoint (``http://host:port/v1``)."""
    provider = OpenAICompatibleProvider(url, api_key, name="eval-target")
    return ProviderTarget(provider, model, **kwargs)

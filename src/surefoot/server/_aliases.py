"""The gateway's model aliases: ``[models.<alias>]`` settings turned into guarded upstreams.

Each alias gets one :class:`~surefoot.guard.Upstream` (its provider, pinned model, breaker,
bulkhead and retry budget) and one :class:`~surefoot.guard.Guard` whose upstreams are the alias's
own followed by those of its ``fallbacks``, and theirs in turn: fallbacks are followed
transitively, depth first, each upstream once, at most :data:`MAX_FALLBACK_DEPTH` aliases deep;
a cycle is a configuration error naming it. The upstream objects are shared, so an alias used as
another's fallback trips one breaker, not two.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core import SYSTEM_CLOCK
from surefoot.core.errors import ConfigError
from surefoot.guard import (
    CircuitBreaker,
    ClassifierMargin,
    Guard,
    JsonValid,
    LowConfidence,
    RoutingPolicy,
    StaticMessage,
    StopAfterAttempts,
    TokenProbability,
    Upstream,
    WaitExponentialJitter,
)
from surefoot.providers import ModelRef, OpenAICompatibleProvider

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.core import Clock
    from surefoot.core.config import ModelSettings
    from surefoot.guard import Lane, Scorer

__all__ = ["MAX_FALLBACK_DEPTH", "Gateway", "build_gateway", "fallback_chain"]

# Deeper chains are a configuration mistake, and each level adds attempts to every request.
MAX_FALLBACK_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Gateway:
    """What ``/v1/chat/completions`` serves: a guard per model alias, or one for every name.

    Args:
        guards: the guard of each alias; a request names its alias in ``model``.
        default: a guard that answers any ``model`` not among the aliases (none: 404).
        escalation_messages: per alias, the answer sent while a response awaits human review.
    """

    guards: Mapping[str, Guard] = field(default_factory=dict)
    default: Guard | None = None
    escalation_messages: Mapping[str, str] = field(default_factory=dict)

    def guard_for(self, model: str) -> Guard | None:
        """The guard that serves ``model``, or None when nothing does."""
        return self.guards.get(model, self.default)

    @property
    def aliases(self) -> list[str]:
        """The alias names, sorted."""
        return sorted(self.guards)

    def all_guards(self) -> list[Guard]:
        """Every distinct guard, the default last."""
        found = list(self.guards.values())
        if self.default is not None:
            found.append(self.default)
        return found

    def upstreams(self) -> dict[str, Lane]:
        """Every upstream once, by name: aliases share upstreams as each other's fallbacks."""
        return {lane.name: lane for guard in self.all_guards() for lane in guard.lanes}

    async def aclose(self) -> None:
        """Close every upstream's connection pools, each provider once."""
        seen: set[int] = set()
        for guard in self.all_guards():
            for lane in guard.lanes:
                if id(lane.provider) not in seen:
                    seen.add(id(lane.provider))
                    await lane.provider.aclose()


def build_gateway(
    models: Mapping[str, ModelSettings],
    environ: Mapping[str, str],
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Gateway:
    """Build a guard per alias from the ``models`` settings.

    Args:
        models: the ``[models.<alias>]`` tables.
        environ: where the ``api_key_env`` names are looked up (the process environment).
        clock: the time source of breakers, budgets and waits.

    Raises:
        ConfigError: an alias names an unknown fallback or itself, a key's variable is unset,
            the thresholds are inverted or the model reference is malformed; the message names
            the alias and the field.
    """
    upstreams = {alias: _upstream(alias, cfg, environ, clock) for alias, cfg in models.items()}
    guards = {}
    for alias, cfg in models.items():
        _check_routing(alias, cfg)
        chain = fallback_chain(alias, models)
        low = LowConfidence(cfg.low_confidence)
        routing = RoutingPolicy(serve_at=cfg.serve_at, caveat_at=cfg.caveat_at, low=low)
        if cfg.caveat is not None:
            routing = dataclasses.replace(routing, caveat=cfg.caveat)
        guards[alias] = Guard(
            [upstreams[name] for name in chain],
            fallbacks=[StaticMessage(cfg.fallback_message)] if cfg.fallback_message else [],
            deadline_s=cfg.deadline_s,
            stop=StopAfterAttempts(cfg.max_attempts),
            wait=WaitExponentialJitter(base_s=cfg.retry_wait_s, cap_s=max(cfg.retry_wait_s, 2.0)),
            validation=[JsonValid()] if "json" in cfg.validators else [],
            scorers=[_SCORERS[name]() for name in cfg.scorers],
            routing=routing,
            clock=clock,
            name=f"gateway:{alias}",
        )
    messages = {a: cfg.escalation_message for a, cfg in models.items() if cfg.escalation_message}
    return Gateway(guards=guards, escalation_messages=messages)


_SCORERS: dict[str, Callable[[], Scorer]] = {
    "token_probability": TokenProbability,
    "classifier_margin": ClassifierMargin,
}
# Settings that only matter once answers are scored.
_ROUTING_FIELDS = ("serve_at", "caveat_at", "caveat", "low_confidence")


def _check_routing(alias: str, cfg: ModelSettings) -> None:
    """Refuse confidence settings that contradict each other or could never take effect,
    naming the field."""
    where = f"models.{alias}"
    if cfg.caveat_at > cfg.serve_at:
        raise ConfigError(
            f"{where}.caveat_at ({cfg.caveat_at}) is above serve_at ({cfg.serve_at})",
            hint="set caveat_at at or below serve_at",
        )
    if not cfg.scorers:
        for name in _ROUTING_FIELDS:
            if name in cfg.model_fields_set:
                raise ConfigError(
                    f"{where}.{name} has no effect: without scorers no answer has a confidence",
                    hint=f'add scorers = ["token_probability"] to [{where}], or remove {name}',
                )
    if cfg.escalation_message is not None and cfg.low_confidence != "escalate":
        raise ConfigError(
            f"{where}.escalation_message would never be sent: nothing escalates to a human",
            hint=f'set low_confidence = "escalate" (with scorers) in [{where}], or remove '
            "escalation_message",
        )


def _upstream(alias: str, cfg: ModelSettings, environ: Mapping[str, str], clock: Clock) -> Upstream:
    where = f"models.{alias}"
    key = None
    if cfg.api_key_env is not None:
        key = environ.get(cfg.api_key_env)
        if not key:
            raise ConfigError(
                f"{where}.api_key_env: the environment variable {cfg.api_key_env} is not set",
                hint=f"export {cfg.api_key_env} with the upstream's key, or remove api_key_env "
                "for an upstream that needs none",
            )
    try:
        ref = ModelRef.parse(cfg.model, allow_floating=True)
    except ConfigError as exc:
        raise ConfigError(f"{where}.model: {exc}", hint="write [provider:]model-id") from exc
    provider = OpenAICompatibleProvider(cfg.base_url, key, name=alias, timeout_s=cfg.timeout_s)
    breaker = CircuitBreaker(
        alias,
        failure_rate=cfg.breaker_failure_rate,
        min_calls=cfg.breaker_min_calls,
        cool_down_s=cfg.breaker_cool_down_s,
        clock=clock,
    )
    return Upstream(provider, ref, timeout_s=cfg.timeout_s, name=alias, breaker=breaker)


def fallback_chain(alias: str, models: Mapping[str, ModelSettings]) -> list[str]:
    """The aliases whose upstreams serve ``alias``, in the order they are tried.

    The alias itself first, then each fallback followed by its own fallbacks (depth first); an
    alias reached twice along different paths is tried once, at its first place.

    Args:
        alias: the alias a request names.
        models: every ``[models.<alias>]`` table.

    Returns:
        Alias names, ``alias`` first, without repeats.

    Raises:
        ConfigError: a fallback names an unknown alias, the fallbacks form a cycle (the message
            spells it, ``a -> b -> a``), or the chain is deeper than :data:`MAX_FALLBACK_DEPTH`.
    """
    order: list[str] = []
    _follow(alias, models, (), order)
    return order


def _follow(
    alias: str, models: Mapping[str, ModelSettings], path: tuple[str, ...], order: list[str]
) -> None:
    path = (*path, alias)
    if len(path) > MAX_FALLBACK_DEPTH + 1:
        raise ConfigError(
            f"models.{path[0]}.fallbacks: the chain {' -> '.join(path)} is deeper than "
            f"{MAX_FALLBACK_DEPTH} aliases",
            hint="list the last-resort upstreams directly in fallbacks instead of chaining them",
        )
    if alias in order:
        return  # explored from its first place already, cycles included
    order.append(alias)
    for name in models[alias].fallbacks:
        if name in path:
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise ConfigError(
                f"models.{alias}.fallbacks forms a cycle: {cycle}",
                hint="remove one alias of the cycle from its fallbacks; retries of one upstream "
                "are max_attempts",
            )
        if name not in models:
            known = ", ".join(sorted(models)) or "none"
            raise ConfigError(
                f"models.{alias}.fallbacks names unknown alias {name!r} (aliases: {known})",
                hint=f"add a [models.{name}] table or remove {name!r} from the list",
            )
        _follow(name, models, path, order)

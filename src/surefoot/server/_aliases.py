"""The gateway's model aliases: ``[models.<alias>]`` settings turned into guarded upstreams.

Each alias gets one :class:`~surefoot.guard.Upstream` (its provider, pinned model, breaker,
bulkhead and retry budget) and one :class:`~surefoot.guard.Guard` whose upstreams are the alias's
own followed by those of its ``fallbacks``. The upstream objects are shared, so an alias used as
another's fallback trips one breaker, not two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from surefoot.core import SYSTEM_CLOCK
from surefoot.core.errors import ConfigError
from surefoot.guard import (
    CircuitBreaker,
    Guard,
    JsonValid,
    RoutingPolicy,
    StaticMessage,
    StopAfterAttempts,
    Upstream,
    WaitExponentialJitter,
)
from surefoot.providers import ModelRef, OpenAICompatibleProvider

if TYPE_CHECKING:
    from surefoot.core import Clock
    from surefoot.core.config import ModelSettings

__all__ = ["Gateway", "build_gateway"]


@dataclass(frozen=True, slots=True)
class Gateway:
    """What ``/v1/chat/completions`` serves: a guard per model alias, or one for every name.

    Args:
        guards: the guard of each alias; a request names its alias in ``model``.
        default: a guard that answers any ``model`` not among the aliases (none: 404).
    """

    guards: Mapping[str, Guard] = field(default_factory=dict)
    default: Guard | None = None

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
        _check_fallbacks(alias, cfg, models)
        guards[alias] = Guard(
            [upstreams[alias], *(upstreams[name] for name in cfg.fallbacks)],
            fallbacks=[StaticMessage(cfg.fallback_message)] if cfg.fallback_message else [],
            deadline_s=cfg.deadline_s,
            stop=StopAfterAttempts(cfg.max_attempts),
            wait=WaitExponentialJitter(base_s=cfg.retry_wait_s, cap_s=max(cfg.retry_wait_s, 2.0)),
            validation=[JsonValid()] if "json" in cfg.validators else [],
            routing=RoutingPolicy(serve_at=cfg.serve_at, caveat_at=cfg.caveat_at),
            clock=clock,
            name=f"gateway:{alias}",
        )
    return Gateway(guards=guards)


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
    if cfg.caveat_at > cfg.serve_at:
        raise ConfigError(
            f"{where}.caveat_at ({cfg.caveat_at}) is above serve_at ({cfg.serve_at})",
            hint="set caveat_at at or below serve_at",
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


def _check_fallbacks(alias: str, cfg: ModelSettings, models: Mapping[str, ModelSettings]) -> None:
    for name in cfg.fallbacks:
        if name == alias:
            raise ConfigError(
                f"models.{alias}.fallbacks names the alias itself",
                hint="list other aliases only; retries of the same upstream are max_attempts",
            )
        if name not in models:
            known = ", ".join(sorted(models)) or "none"
            raise ConfigError(
                f"models.{alias}.fallbacks names unknown alias {name!r} (aliases: {known})",
                hint=f"add a [models.{name}] table or remove {name!r} from the list",
            )

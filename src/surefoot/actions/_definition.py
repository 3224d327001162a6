"""Action definitions: a side-effecting function plus its approval, precondition and undo hooks.

Definitions register by name in a process-wide table, so a recovery sweep in a fresh process
finds the function of an action a crashed process left in flight.
"""

from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from surefoot.core._loop_records import ActionStatus
from surefoot.core.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from surefoot.actions._actions import Actions
    from surefoot.actions._policies import ApprovalRule
    from surefoot.core._records import JSONValue

__all__ = ["ActionDefinition", "ActionOutcome", "action", "lookup"]

_REGISTRY: dict[str, ActionDefinition] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What a submission came to.

    Args:
        key: the idempotency key.
        status: where the action stands now.
        result: the side effect's result once it succeeded (replayed for duplicates).
        replayed: whether this submission found an earlier one's outcome instead of running.
        error: why it failed, was refused or rejected.
        review_id: the review item asking for approval, when one was needed.
    """

    key: str
    status: ActionStatus
    result: JSONValue = None
    replayed: bool = False
    error: str | None = None
    review_id: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the side effect ran to completion (now or earlier)."""
        return self.status is ActionStatus.SUCCEEDED


@dataclass(frozen=True, slots=True)
class ActionDefinition:
    """A consequential side effect and the rules around it; build one with :func:`action`."""

    name: str
    fn: Callable[..., Any]
    approval: ApprovalRule | None = None
    precondition: Callable[..., bool | str] | None = None
    compensate: Callable[..., Any] | None = None
    resumable: bool = False
    takes_key: bool = field(default=False)

    def run(self, key: str, params: Mapping[str, Any]) -> Any:
        """Call the side effect, passing ``idempotency_key`` when the function accepts it."""
        return self.fn(**params, idempotency_key=key) if self.takes_key else self.fn(**params)

    def stale_reason(self, params: Mapping[str, Any]) -> str | None:
        """Why the premise no longer holds, or None when the action may run."""
        if self.precondition is None:
            return None
        verdict = self.precondition(**params)
        if verdict is True:
            return None
        return verdict if isinstance(verdict, str) and verdict else "the precondition failed"

    def submit(
        self,
        actions: Actions,
        key: str,
        *,
        actor: str = "system",
        reason: str = "",
        confidence: float | None = None,
        **params: Any,
    ) -> ActionOutcome:
        """Shorthand for ``actions.submit(self, key, params, ...)``."""
        return actions.submit(self, key, params, actor=actor, reason=reason, confidence=confidence)


def action(
    name: str | None = None,
    *,
    approval: ApprovalRule | None = None,
    precondition: Callable[..., bool | str] | None = None,
    compensate: Callable[..., Any] | None = None,
    resumable: bool = False,
) -> Callable[[Callable[..., Any]], ActionDefinition]:
    """Declare a consequential action; run it with :meth:`ActionDefinition.submit`.

    Args:
        name: the action's stable name (stored with every run); default the function's name.
        approval: when a human must approve first, e.g. ``AboveAmount("amount", 100)``.
        precondition: called with the parameters just before the side effect; returning
            anything but True (a string says why) refuses the action as stale.
        compensate: undoes a succeeded action; called with the parameters and ``result=``.
        resumable: the side effect records its own completion under ``idempotency_key``, so
            :meth:`Actions.recover` may run it again after a crash instead of reporting it.

    Raises:
        ConfigError: ``resumable`` is set but the function takes no ``idempotency_key``.
    """

    def register(fn: Callable[..., Any]) -> ActionDefinition:
        takes_key = "idempotency_key" in inspect.signature(fn).parameters
        if resumable and not takes_key:
            raise ConfigError(
                f"resumable action {fn.__name__!r} takes no idempotency_key parameter",
                hint="accept idempotency_key and record completion under it, or drop resumable",
            )
        definition = ActionDefinition(
            name or fn.__name__, fn, approval, precondition, compensate, resumable, takes_key
        )
        with _LOCK:
            # The latest definition of a name wins, so reloading a module re-registers cleanly.
            _REGISTRY[definition.name] = definition
        return definition

    return register


def lookup(name: str) -> ActionDefinition | None:
    """The definition registered under ``name`` in this process, if any."""
    with _LOCK:
        return _REGISTRY.get(name)

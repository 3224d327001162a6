"""Approval policies: whether an action must wait for a human, and why.

A policy is any callable ``(params, confidence) -> str | None`` returning the reason approval is
needed, or None to run at once. The classes here cover the common rules and combine with ``|``
(approval when either asks for it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "AboveAmount",
    "AlwaysApprove",
    "AnyOf",
    "ApprovalPolicy",
    "ApprovalRule",
    "BelowConfidence",
    "NeverApprove",
]


class ApprovalPolicy(Protocol):
    """Decides whether an action needs approval."""

    def __call__(self, params: Mapping[str, Any], confidence: float | None) -> str | None:
        """The reason a human must approve, or None to run at once."""
        ...


ApprovalRule: TypeAlias = "ApprovalPolicy | Callable[[Mapping[str, Any], float | None], str | None]"


class _Combinable:
    def __or__(self, other: ApprovalRule) -> AnyOf:
        return AnyOf((self, other))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class AnyOf(_Combinable):
    """Approval when any of ``rules`` asks for it; the first reason wins."""

    rules: tuple[ApprovalRule, ...]

    def __call__(self, params: Mapping[str, Any], confidence: float | None) -> str | None:
        for rule in self.rules:
            reason = rule(params, confidence)
            if reason is not None:
                return reason
        return None


@dataclass(frozen=True, slots=True)
class AlwaysApprove(_Combinable):
    """Every call waits for a human."""

    def __call__(self, params: Mapping[str, Any], confidence: float | None) -> str | None:
        return "this action always needs approval"


@dataclass(frozen=True, slots=True)
class NeverApprove(_Combinable):
    """No call waits for a human."""

    def __call__(self, params: Mapping[str, Any], confidence: float | None) -> str | None:
        return None


@dataclass(frozen=True, slots=True)
class BelowConfidence(_Combinable):
    """Approval when the caller's confidence is below ``threshold`` or was not given."""

    threshold: float

    def __call__(self, params: Mapping[str, Any], confidence: float | None) -> str | None:
        if confidence is None:
            return f"no confidence given (approval needed below {self.threshold})"
        if confidence < self.threshold:
            return f"confidence {confidence:.3g} is below {self.threshold}"
        return None


@dataclass(frozen=True, slots=True)
class AboveAmount(_Combinable):
    """Approval when the numeric parameter ``field`` exceeds ``limit`` (or is missing)."""

    field: str
    limit: float

    def __call__(self, params: Mapping[str, Any], confidence: float | None) -> str | None:
        amount = params.get(self.field)
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            return f"parameter {self.field!r} is not a number, so its size cannot be checked"
        if amount > self.limit:
            return f"{self.field} {amount} is above {self.limit}"
        return None

"""What to do when output fails validation, and how a reask is built without growing context."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from surefoot.guard._validators import ValidationResult, ValidatorLike, as_validator

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.providers import ChatRequest, Message

__all__ = ["OnFail", "ValidationPolicy", "build_reask"]

REASK_TEMPLATE = (
    "Your previous answer failed validation:\n{errors}\n"
    "Answer the original request again, correcting these problems. Reply with the answer only."
)


class OnFail(enum.StrEnum):
    """The action taken when output fails validation."""

    REASK = "reask"
    """Ask the same upstream again, feeding the errors back (bounded by ``max_reasks``)."""
    FIX = "fix"
    """Repair the output with the ``fix`` callable, then validate the repair."""
    FILTER = "filter"
    """Withhold the output: nothing is served and the decision is ``refused``."""
    FALLBACK = "fallback"
    """Move on to the next upstream or fallback."""
    ESCALATE = "escalate"
    """Hand the request to the escalation sink for a human."""
    RAISE = "raise"
    """Refuse with :class:`~surefoot.core.errors.ValidationFailed` (raised if the guard raises)."""
    MONITOR = "monitor"
    """Record the failure on the trace and serve the output anyway."""


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """A validator and what to do when it fails.

    Args:
        validator: the check (combine several with ``&``).
        on_fail: the action on failure.
        max_reasks: reasks allowed per request when ``on_fail`` is ``REASK``; once used up the
            policy falls back.
        fix: repairs a failed output for ``on_fail=FIX``; its result is validated again.
        max_failed_chars: how much of a failed answer is quoted back in a reask.
    """

    validator: ValidatorLike
    on_fail: OnFail = OnFail.REASK
    max_reasks: int = 1
    fix: Callable[[str, ValidationResult], str] | None = None
    max_failed_chars: int = 2000

    def __post_init__(self) -> None:
        object.__setattr__(self, "validator", as_validator(self.validator))
        if self.on_fail is OnFail.FIX and self.fix is None:
            raise ValueError("on_fail=OnFail.FIX needs a fix callable: ValidationPolicy(fix=...)")

    def validate(self, text: str) -> ValidationResult:
        """Run the validator on ``text``."""
        return as_validator(self.validator)(text)

    def reask_growth_bound(self) -> int:
        """The most characters a reask adds to the original prompt (errors are capped too)."""
        return self.max_failed_chars + len(REASK_TEMPLATE) + _MAX_ERROR_CHARS


_MAX_ERROR_CHARS = 1000


def build_reask(
    original: ChatRequest, failed: str, result: ValidationResult, policy: ValidationPolicy
) -> ChatRequest:
    """The original request plus one (failed answer, correction) pair.

    Each reask is built from the *original* request, so the previous failed turn is replaced,
    not accumulated: the prompt grows by at most :meth:`ValidationPolicy.reask_growth_bound`
    characters and two messages, however many reasks there are.
    """
    errors = "\n".join(f"- {e}" for e in result.errors)[:_MAX_ERROR_CHARS]
    turn: list[Message] = [
        {"role": "assistant", "content": failed[: policy.max_failed_chars]},
        {"role": "user", "content": REASK_TEMPLATE.format(errors=errors)},
    ]
    return dataclasses.replace(original, messages=[*original.messages, *turn])

"""Context budgets: count tokens, trim conversations, and handle inputs that cannot fit."""

from __future__ import annotations

import enum
import hashlib
import importlib
import math
import os
import tempfile
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from surefoot.core.errors import BudgetExceeded

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from surefoot.providers import Message

__all__ = [
    "ContextBudget",
    "EstimateCounter",
    "FitResult",
    "OversizePolicy",
    "TokenCounter",
    "best_counter",
]

TRUNCATION_MARK = "\n…[truncated by surefoot to fit the context budget]"
_PER_MESSAGE_TOKENS = 4  # role and separators, as OpenAI's cookbook counts them
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


class TokenCounter(Protocol):
    """Counts the tokens of a text."""

    def __call__(self, text: str, /) -> int: ...


class EstimateCounter:
    """``ceil(len(text) / chars_per_token * safety)``: a deliberate over-estimate.

    English BPE text averages about four characters per token; code, numbers and non-Latin
    scripts run denser, so the safety factor errs towards counting too many tokens, which trims a
    little early rather than overflow the model's window.

    Examples:
        >>> EstimateCounter()("x" * 400)
        110
    """

    def __init__(self, chars_per_token: float = 4.0, safety: float = 1.1) -> None:
        self.chars_per_token = chars_per_token
        self.safety = safety

    def __call__(self, text: str) -> int:
        # The epsilon keeps float noise (400 * 1.1 = 440.00000000000006) from adding a token.
        return math.ceil(len(text) * self.safety / self.chars_per_token - 1e-9)


def best_counter(encoding: str = "cl100k_base") -> TokenCounter:
    """tiktoken's exact counter when tiktoken and its encoding file are present, else the estimate.

    tiktoken downloads encoding files on first use; here a missing file means "no tiktoken", so
    counting never touches the network.
    """
    try:
        # Imported by name: tiktoken is optional and has no type stubs.
        tiktoken: Any = importlib.import_module("tiktoken")
    except ImportError:
        return EstimateCounter()
    # tiktoken's own cache convention (tiktoken/load.py): we only look, never download.
    cache = os.environ.get("TIKTOKEN_CACHE_DIR") or os.path.join(
        tempfile.gettempdir(), "data-gym-cache"
    )
    key = hashlib.sha1(_TIKTOKEN_URL.format(name=encoding).encode()).hexdigest()
    if not os.path.exists(os.path.join(cache, key)):
        return EstimateCounter()
    enc = tiktoken.get_encoding(encoding)
    return lambda text: len(enc.encode(text, disallowed_special=()))


class OversizePolicy(enum.StrEnum):
    """What to do with input that is too large even after trimming."""

    TRUNCATE = "truncate"
    """Cut the newest message's text to fit, with a visible marker."""
    REFUSE = "refuse"
    """Refuse with :class:`~surefoot.core.errors.BudgetExceeded` naming sizes and the fix."""


@dataclass(frozen=True, slots=True)
class FitResult:
    """Messages that fit, and what was done to make them fit."""

    messages: list[Message]
    input_tokens: int
    dropped: int = 0
    truncated: bool = False


def _is_system(index: int, message: Message) -> bool:
    return message.get("role") in ("system", "developer")


def _text(message: Message) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part content: count the text parts
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class ContextBudget:
    """Keeps a request's input within ``max_input_tokens``.

    Trimming keeps pinned messages (system prompts by default, plus whatever ``pinned`` says)
    and the newest message, and drops the oldest other turns first. If that is not enough,
    ``oversize`` decides: truncate the newest message with a marker, or refuse. For a single
    document too large for any window, split it with :meth:`chunk` and call once per chunk.

    Args:
        max_input_tokens: the input allowance.
        counter: counts tokens (default :func:`best_counter`).
        oversize: what to do when trimming is not enough.
        pinned: ``pinned(index, message)`` marks messages that must never be dropped.
    """

    def __init__(
        self,
        max_input_tokens: int,
        *,
        counter: TokenCounter | None = None,
        oversize: OversizePolicy = OversizePolicy.REFUSE,
        pinned: Callable[[int, Message], bool] = _is_system,
    ) -> None:
        self.max_input_tokens = max_input_tokens
        self.counter = counter or best_counter()
        self.oversize = oversize
        self.pinned = pinned

    def count(self, messages: Sequence[Message]) -> int:
        """Tokens of ``messages`` including per-message overhead."""
        return sum(self.counter(_text(m)) + _PER_MESSAGE_TOKENS for m in messages)

    def fit(self, messages: Sequence[Message]) -> FitResult:
        """Trim, then truncate or refuse, so the messages fit the budget.

        Raises:
            BudgetExceeded: the input cannot fit and the policy is ``REFUSE``.
        """
        kept = list(messages)
        sizes = [self.counter(_text(m)) + _PER_MESSAGE_TOKENS for m in kept]
        total = sum(sizes)
        dropped = 0
        droppable = [i for i, m in enumerate(kept[:-1]) if not self.pinned(i, m)]
        for i in droppable:  # oldest first
            if total <= self.max_input_tokens:
                break
            total -= sizes[i]
            dropped += 1
        keep = set(range(len(kept))) - set(droppable[:dropped])
        kept = [m for i, m in enumerate(kept) if i in keep]
        if total <= self.max_input_tokens:
            return FitResult(kept, total, dropped)
        return self._oversize(kept, total, dropped)

    def _oversize(self, kept: list[Message], total: int, dropped: int) -> FitResult:
        overflow = total - self.max_input_tokens
        last_text = _text(kept[-1]) if kept else ""
        last_tokens = self.counter(last_text)
        if self.oversize is OversizePolicy.REFUSE or overflow >= last_tokens:
            raise BudgetExceeded(
                f"input is {total} tokens after trimming {dropped} turns; the context budget"
                f" is {self.max_input_tokens} tokens",
                hint="shorten the input, raise max_input_tokens, use OversizePolicy.TRUNCATE,"
                " or split the document with ContextBudget.chunk() and call once per chunk",
            )
        keep_chars = int(len(last_text) * (last_tokens - overflow) / last_tokens)
        keep_chars = max(keep_chars - len(TRUNCATION_MARK) * 2, 0)  # the marker has tokens too
        cut: dict[str, Any] = {**kept[-1], "content": last_text[:keep_chars] + TRUNCATION_MARK}
        kept = [*kept[:-1], cut]
        return FitResult(kept, self.count(kept), dropped, truncated=True)

    def chunk(self, text: str, *, overlap_tokens: int = 0) -> list[str]:
        """Split ``text`` into pieces of at most ``max_input_tokens`` tokens each (by estimate)."""
        tokens = max(self.counter(text), 1)
        chars_per_token = len(text) / tokens
        size = max(int(self.max_input_tokens * chars_per_token), 1)
        step = max(size - int(overlap_tokens * chars_per_token), 1)
        return [text[i : i + size] for i in range(0, len(text), step)] or [""]

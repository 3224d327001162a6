"""Model pins: which exact model a call is for, and whether the provider really served it.

Reference syntax (see docs/providers.md)::

    [provider:]model-id[=served-id]

* ``provider`` names who serves the model (``openai``, ``azure``, ``local`` ...). The *first* colon
  always ends it, so model ids with colons (Ollama's ``llama3.1:8b``) need a provider in front:
  ``ollama:llama3.1:8b``.
* ``model-id`` is sent to the provider as-is.
* ``=served-id`` says which exact model must answer when ``model-id`` is a deployment name or an
  alias (``azure:prod-chat=gpt-4o-2024-08-06``). Without it, ``model-id`` itself is expected.

A pin must name an exact version. Aliases that float are refused unless ``allow_floating=True``.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass

from surefoot.core.errors import ConfigError

__all__ = ["ModelRef", "PinCheck", "PinTracker", "check_served", "is_versioned", "served_matches"]

_PROVIDER_RE = re.compile(r"[a-z][a-z0-9_-]*")
# A version suffix: a date (2024-08-06, 20241022), a 6-digit date, a 4-digit snapshot (0613, 2411)
# or a 3-digit revision (gemini's -002), optionally followed by -preview. Vertex writes @20241022.
_SUFFIX = r"[-_@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{6}|\d{4}|\d{3})(?:-preview)?"
_SUFFIX_RE = re.compile(_SUFFIX)
_VERSIONED_RE = re.compile(rf".+{_SUFFIX}")
_LATEST_RE = re.compile(r"(?:^|[-_:./@])latest$", re.IGNORECASE)
# Hosted providers whose undated names are aliases that move to new snapshots without notice.
FLOATING_PROVIDERS = frozenset(
    {"anthropic", "azure", "bedrock", "cohere", "gemini", "google", "mistral", "openai", "vertex"}
)
# Hosted model families that float when undated, whatever provider label serves them.
_FLOATING_FAMILY_RE = re.compile(
    r"(?:gpt-|chatgpt-|o[1-9](?:$|-)|claude-|gemini-|mistral-|command-)", re.IGNORECASE
)
# Hosted names documented as immutable although undated.
_STABLE_RE = re.compile(r"text-embedding-")


def is_versioned(model_id: str) -> bool:
    """Whether ``model_id`` ends with a date or snapshot number.

    Examples:
        >>> is_versioned("gpt-4o-2024-08-06"), is_versioned("gpt-4o")
        (True, False)
    """
    return _VERSIONED_RE.fullmatch(model_id) is not None


def served_matches(expected: str, served: str) -> bool:
    """Whether ``served`` is the pinned model ``expected``.

    Equal ids match. An unversioned ``expected`` also matches ``expected`` followed by exactly one
    version suffix (``gpt-4o`` matches ``gpt-4o-2024-08-06``, never ``gpt-4o-mini-2024-07-18``).
    A versioned ``expected`` matches only itself.

    Examples:
        >>> served_matches("gemma3-270m", "gemma3-270m")
        True
        >>> served_matches("gpt-4o", "gpt-4o-2024-08-06")
        True
        >>> served_matches("gpt-4o-2024-08-06", "gpt-4o-2024-11-20")
        False
    """
    if served == expected:
        return True
    if not served.startswith(expected) or is_versioned(expected):
        return False
    return _SUFFIX_RE.fullmatch(served, len(expected)) is not None


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A parsed model reference; build it with :meth:`parse`.

    Args:
        model: the model id sent to the provider.
        provider: who serves it, or ``None``.
        served: the exact served id required when ``model`` is an alias or deployment name.
    """

    model: str
    provider: str | None = None
    served: str | None = None

    @classmethod
    def parse(cls, text: str, *, allow_floating: bool = False) -> ModelRef:
        """Parse ``[provider:]model-id[=served-id]`` and refuse floating aliases.

        Raises:
            ConfigError: the text is malformed, or names a floating alias and
                ``allow_floating`` is false.

        Examples:
            >>> ModelRef.parse("openai:gpt-4o-2024-08-06").expected
            'gpt-4o-2024-08-06'
            >>> ModelRef.parse("azure:prod-chat=gpt-4o-2024-08-06").model
            'prod-chat'
        """
        body, _, served = text.strip().partition("=")
        provider, colon, model = body.partition(":")
        if not colon:
            provider, model = "", body
        elif not _PROVIDER_RE.fullmatch(provider):
            raise ConfigError(
                f"{provider!r} in model reference {text!r} is not a provider name",
                hint=f"write [provider:]model-id, e.g. 'local:{text}'; the first colon ends the "
                "provider, so ids with colons need one in front",
            )
        if not model or (served == "" and "=" in text) or any(c.isspace() for c in text.strip()):
            raise ConfigError(
                f"model reference {text!r} is malformed",
                hint="write [provider:]model-id[=served-id], e.g. 'openai:gpt-4o-2024-08-06'",
            )
        ref = cls(model=model, provider=provider or None, served=served or None)
        if ref.is_floating and not allow_floating:
            raise ConfigError(
                f"model reference {text!r} names a floating alias that can change without notice",
                hint="pin a dated snapshot (e.g. gpt-4o-2024-08-06), add '=served-id', or pass "
                "allow_floating=True to accept silent upgrades",
            )
        return ref

    @property
    def expected(self) -> str:
        """The model id that must be served."""
        return self.served or self.model

    @property
    def is_floating(self) -> bool:
        """Whether the reference may be served by different models over time."""
        expected = self.expected
        if _LATEST_RE.search(expected):
            return True
        if is_versioned(expected) or _STABLE_RE.match(expected):
            return False
        return self.provider in FLOATING_PROVIDERS or bool(_FLOATING_FAMILY_RE.match(expected))

    def __str__(self) -> str:
        text = f"{self.provider}:{self.model}" if self.provider else self.model
        return f"{text}={self.served}" if self.served else text


@dataclass(frozen=True, slots=True)
class PinCheck:
    """The outcome of comparing a response with its pin.

    Args:
        matches: the served model is the pinned one (see :func:`served_matches`).
        served_model: the id the provider said served the call.
        expected: the pinned id.
        fingerprint: the response's ``system_fingerprint``, when sent.
        fingerprint_changed: it differs from the last one seen for this pin.
        served_changed: the served id differs from the last one seen for this pin (a floating
            alias moved to a new snapshot).
    """

    matches: bool
    served_model: str
    expected: str
    fingerprint: str | None = None
    fingerprint_changed: bool = False
    served_changed: bool = False


def check_served(
    pin: ModelRef | str,
    served_model: str,
    fingerprint: str | None = None,
    *,
    last_fingerprint: str | None = None,
    last_served: str | None = None,
) -> PinCheck:
    """Compare a served model id and fingerprint with a pin and with what was seen last.

    Examples:
        >>> check_served("gemma3-270m", "gemma3-270m").matches
        True
        >>> check_served("gpt-4o-2024-08-06", "gpt-4o-2024-11-20").matches
        False
    """
    expected = pin.expected if isinstance(pin, ModelRef) else pin
    return PinCheck(
        matches=served_matches(expected, served_model),
        served_model=served_model,
        expected=expected,
        fingerprint=fingerprint,
        fingerprint_changed=bool(
            fingerprint and last_fingerprint and fingerprint != last_fingerprint
        ),
        served_changed=bool(last_served and served_model != last_served),
    )


class PinTracker:
    """Remembers the last served id and fingerprint per pin and counts mismatches; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, tuple[str, str | None]] = {}
        # Per pin object, the check a response that changes nothing gets, the key it was made
        # under, and the pin: nearly every response repeats the previous one exactly. A pin
        # object is found by its id (a text pin by its value): hashing a ModelRef runs Python
        # code, id() does not, and the entry holds the pin alive, so no other object can have
        # its id while the entry exists.
        self._steady: dict[int | str, tuple[PinCheck, str, ModelRef | str]] = {}
        self._mismatches = 0
        self._changes = 0

    def check(self, pin: ModelRef | str, served_model: str, fingerprint: str | None) -> PinCheck:
        """Check one response against ``pin`` and remember what was served."""
        steady = self._steady.get(pin if type(pin) is str else id(pin))
        if steady is not None:
            check = steady[0]
            if check.served_model == served_model and check.fingerprint == fingerprint:
                # The same served id and fingerprint as the last response for this pin: the
                # full check would find nothing changed and return this (tests/providers/
                # test_pin_tracker.py holds the two paths equal). A match changes no state,
                # so it needs no lock: the entry read was current when it was read.
                if check.matches:
                    return check
                with self._lock:
                    if self._steady.get(pin if type(pin) is str else id(pin)) is steady:
                        self._mismatches += 1
                        return check
        key = str(pin)
        with self._lock:
            last_served, last_fp = self._last.get(key, (None, None))
            result = check_served(
                pin, served_model, fingerprint, last_fingerprint=last_fp, last_served=last_served
            )
            self._last[key] = (served_model, fingerprint or last_fp)
            self._mismatches += not result.matches
            self._changes += result.fingerprint_changed or result.served_changed
            self._remember(pin, key, result)
        return result

    def _remember(self, pin: ModelRef | str, key: str, result: PinCheck) -> None:
        if len(self._steady) > 256:
            self._steady.clear()  # pins are few; a caller minting new pin objects must not grow it
        else:
            # Other pin objects spelled the same share the key's history, which just moved on.
            for stale in [p for p, (_, k, _) in self._steady.items() if k == key]:
                del self._steady[stale]
        if result.fingerprint_changed or result.served_changed:
            result = dataclasses.replace(result, fingerprint_changed=False, served_changed=False)
        self._steady[pin if type(pin) is str else id(pin)] = (result, key, pin)

    @property
    def mismatches(self) -> int:
        """Responses whose served model was not the pinned one."""
        return self._mismatches

    @property
    def changes(self) -> int:
        """Responses whose served id or fingerprint changed since the previous one for the pin."""
        return self._changes

    def last_fingerprint(self, pin: ModelRef | str) -> str | None:
        """The last fingerprint seen for ``pin``."""
        return self._last.get(str(pin), (None, None))[1]

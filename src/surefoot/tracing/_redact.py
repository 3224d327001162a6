"""Redaction processors: secrets and personal data are masked before a span leaves the process.

Both walk the span's input, output, attributes (nested values too) and error, and list what they
masked in the ``surefoot.redacted`` attribute. Each uses one compiled alternation, so a string
without a match costs a single regex scan.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from surefoot.core import semconv

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.core._records import JSONValue, SpanRecord

__all__ = ["REDACTED", "RedactPII", "RedactSecrets", "luhn_valid"]

REDACTED = "[REDACTED]"

# Attribute and mapping keys whose whole value is a secret. "token" must END the key, so that
# `gen_ai.usage.input_tokens` and `max_tokens` are left alone while `auth_token` is not.
_SECRET_KEY = re.compile(
    r"(?i)api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret|password|passwd|credential"
    r"|(?:token|pwd|authorization|cookie)$"
)

_SECRETS = re.compile(
    r"(?P<bearer>(?i:\b(?:bearer|basic))\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|(?P<api_key>\bsk-[A-Za-z0-9_-]{16,})"
    r"|(?P<aws_key>\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)"
    r"|(?P<github_token>\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))"
    r"|(?P<slack_token>\bxox[abposr]-[A-Za-z0-9-]{10,})"
    r"|(?P<google_key>\bAIza[0-9A-Za-z_-]{35})"
    r"|(?P<key_value>(?i:\b[\w-]*(?:api[_-]?key|apikey|token|secret|password|passwd|pwd))"
    r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;]{4,}"
)

_PII = re.compile(
    r"(?P<email>\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)"
    r"|(?P<card>(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-]))"
    r"|(?P<phone>(?<![\w+])(?:\+\d{9,15}"
    r"|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4})(?![\w-]))"
)
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")

# Cheap tests that every match of the patterns above passes, so most text (prose without a
# digit, an "@" or a secret's marker) skips the alternations, which cost a scan per branch.
# tests/tracing/test_redaction.py holds each screen to its pattern with generated text.
_SECRET_MARKERS = (
    "bearer", "basic", "sk-", "akia", "asia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "xox", "aiza", "api", "token", "secret", "passw", "pwd",
)  # fmt: skip
_PII_MARKER = re.compile(r"[@0-9]")


@functools.lru_cache(maxsize=4096)
def _is_secret_key(key: str) -> bool:
    # Keys repeat (attribute names, message fields): remembered, not searched on every span.
    return _SECRET_KEY.search(key) is not None


def _may_hold_secret(text: str) -> bool:
    lowered = text.casefold()  # the patterns ignore case as re does: "ſ" is an "s"
    return any(marker in lowered for marker in _SECRET_MARKERS)


def _may_hold_pii(text: str) -> bool:
    return _PII_MARKER.search(text) is not None


def luhn_valid(digits: str) -> bool:
    """Whether a string of 13 to 19 digits passes the Luhn checksum (as card numbers do).

    Examples:
        >>> luhn_valid("4111111111111111")
        True
        >>> luhn_valid("4111111111111112")
        False
    """
    if not (13 <= len(digits) <= 19) or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _secret_sub(match: re.Match[str], found: set[str]) -> str:
    kind = match.lastgroup or "secret"
    found.add(kind)
    if kind in ("bearer", "key_value"):
        return match.group(kind) + REDACTED  # keep "Bearer " / "api_key=" for readability
    return REDACTED


def _pii_sub(match: re.Match[str], found: set[str]) -> str:
    kind = match.lastgroup or "pii"
    text = match.group(0)
    if kind == "card":
        if not luhn_valid(text.replace(" ", "").replace("-", "")):
            return text
    elif kind == "phone":
        digits = sum(c.isdigit() for c in text)
        if not 9 <= digits <= 15 or _IPV4.fullmatch(text):
            return text
    found.add(kind)
    return f"[{kind.upper()}]"


class _Redactor:
    """Applies one substitution to every string in a span, and masks secret-named keys."""

    def __init__(
        self, pattern: re.Pattern[str], sub: Any, mask_keys: bool, screen: Callable[[str], bool]
    ) -> None:
        self._pattern = pattern
        self._sub = sub
        self._mask_keys = mask_keys
        self._screen = screen

    def __call__(self, record: SpanRecord) -> SpanRecord:
        found: set[str] = set()
        if record.input is not None:
            record.input = self._walk(record.input, found)
        if record.output is not None:
            record.output = self._walk(record.output, found)
        attrs = record.attributes
        for key, value in attrs.items():
            if self._mask_keys and value is not None and _is_secret_key(key):
                attrs[key] = REDACTED
                found.add("secret_attribute")
            elif type(value) is str or isinstance(value, list | dict):
                attrs[key] = self._walk(value, found)
        if record.error is not None:
            record.error.message = self._text(record.error.message, found)
            record.error.traceback = self._text(record.error.traceback, found)
        if found:
            previous = attrs.get(semconv.SF_REDACTED)
            merged = found.union(previous) if isinstance(previous, list) else found
            attrs[semconv.SF_REDACTED] = sorted(merged)
        return record

    def _walk(self, value: JSONValue, found: set[str]) -> JSONValue:
        if type(value) is str:
            return self._text(value, found)
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if self._mask_keys and v is not None and _is_secret_key(k):
                    found.add("secret_attribute")
                    out[k] = REDACTED
                else:
                    out[k] = self._walk(v, found)
            return out
        if isinstance(value, list):
            return [self._walk(v, found) for v in value]
        return value

    def _text(self, text: str, found: set[str]) -> str:
        if len(text) < 8 or not self._screen(text):  # nothing we mask is shorter
            return text
        sub = self._sub
        return self._pattern.sub(lambda m: sub(m, found), text)


class RedactSecrets(_Redactor):
    """Mask Authorization/bearer values, API keys (``sk-…``, ``AKIA…``, ``ghp_…`` …) and values
    of secret-named keys (``*api_key*``, ``*token``, ``*secret*``, ``*password*``) and
    ``key=value`` assignments of them in text."""

    def __init__(self) -> None:
        super().__init__(_SECRETS, _secret_sub, mask_keys=True, screen=_may_hold_secret)

    def __repr__(self) -> str:
        return "RedactSecrets()"


class RedactPII(_Redactor):
    """Mask email addresses, phone numbers, and card numbers that pass the Luhn check."""

    def __init__(self) -> None:
        super().__init__(_PII, _pii_sub, mask_keys=False, screen=_may_hold_pii)

    def __repr__(self) -> str:
        return "RedactPII()"

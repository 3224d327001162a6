"""Redaction processors: secrets and personal data are masked before a span leaves the process.

They walk the span's input, output, attributes (nested values too) and error, and list what they
masked in the ``surefoot.redacted`` attribute. Each kind of data has one compiled alternation,
guarded by a cheaper screen that every match passes, so most strings cost one short regex scan.
:class:`Redact` masks both kinds in one walk (the default pipeline uses it);
:class:`RedactSecrets` and :class:`RedactPII` are the same walk with one kind each.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from surefoot.core import semconv

if TYPE_CHECKING:
    from collections.abc import Callable

    from surefoot.core._records import JSONValue, SpanRecord

__all__ = ["REDACTED", "Redact", "RedactPII", "RedactSecrets", "luhn_valid"]

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

# Cheap tests that every match of the patterns above passes, so most text skips the
# alternations, which cost a scan per branch. A secret carries one of these markers once the
# text is case-folded, as the patterns' case-insensitive parts fold it ("ſ" is an "s"; searching
# the folded text is about ten times faster than a case-insensitive search). Personal data needs an
# "@" (an email) or nine digits: a phone number is masked only with 9 to 15 of them, a card with
# 13 to 19. tests/tracing/test_redaction.py holds each screen to its pattern with generated text.
_SECRET_MARKERS = (
    "bearer", "basic", "sk-", "akia", "asia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_",
    "github_pat_", "xox", "aiza", "api", "token", "secret", "passw", "pwd",
)  # fmt: skip
_SECRET_MARKER = re.compile("|".join(map(re.escape, _SECRET_MARKERS)))
_PII_MARKER = re.compile(r"[@\d]")
_NINE_DIGITS = re.compile(r"(?:\D*\d){9}")  # anchored where the first digit is: linear
_ASCII_DIGITS = "0123456789"

# Two ways to screen, by length. On long text a substring search beats a regular expression:
# the standard library's engine walks the text once per alternative, where `in` and str.find
# skip through it (on a 4,600-character system prompt the secret screen took 65 us and the
# personal-data screen 37 as expressions, about 42 and 3 as searches). On short text, an id or
# a model's name, a search's calls cost more than the scan: 0.77 and 1.16 us against 0.33 and
# 0.38 for the expressions on a 20-character response id.
_SHORT = 128


def _may_hold_secret(text: str) -> bool:
    folded = text.casefold()
    if len(folded) < _SHORT:
        return _SECRET_MARKER.search(folded) is not None
    return any(marker in folded for marker in _SECRET_MARKERS)


def _may_hold_pii(text: str) -> bool:
    if "@" in text:
        return True
    if len(text) < _SHORT or not text.isascii():
        # \d also matches other scripts' digits: on such text the expression finds them.
        first = _PII_MARKER.search(text)
        return first is not None and _NINE_DIGITS.match(text, first.start()) is not None
    found = [i for i in map(text.find, _ASCII_DIGITS) if i >= 0]
    return bool(found) and _NINE_DIGITS.match(text, min(found)) is not None


@functools.lru_cache(maxsize=4096)
def _is_secret_key(key: str) -> bool:
    # Keys repeat (attribute names, message fields): remembered, not searched on every span.
    return _SECRET_KEY.search(key) is not None


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


class _Mask:
    """One kind of data to mask: its screen, its pattern, and what a match becomes."""

    __slots__ = ("pattern", "screen", "sub")

    def __init__(self, pattern: re.Pattern[str], sub: Callable[[re.Match[str], set[str]], str],
                 screen: Callable[[str], bool]) -> None:  # fmt: skip
        self.pattern = pattern
        self.sub = sub
        self.screen = screen


_SECRET_MASK = _Mask(_SECRETS, _secret_sub, _may_hold_secret)
_PII_MASK = _Mask(_PII, _pii_sub, _may_hold_pii)


_CLEAN_MAX_STRINGS = 1024
_CLEAN_MAX_CHARS = 65_536  # one string; a long system prompt repeats on every request
_CLEAN_BUDGET_CHARS = 4_194_304  # all remembered strings together
_PLAIN_MAX_KEYS = 4096


def _masked(mask: _Mask, text: str, found: set[str]) -> str:
    sub = mask.sub

    def replace(match: re.Match[str]) -> str:
        return sub(match, found)

    return mask.pattern.sub(replace, text)


class Redact:
    """Mask secrets, personal data, or both, in one walk over the span.

    Secrets are masked before personal data in each string, as running :class:`RedactSecrets`
    and then :class:`RedactPII` would. A list or mapping with something masked in it is
    replaced by a masked copy; one with nothing to mask is kept as it is.

    Args:
        secrets: mask what :class:`RedactSecrets` masks.
        pii: mask what :class:`RedactPII` masks.
    """

    def __init__(self, *, secrets: bool = True, pii: bool = True) -> None:
        self.secrets = secrets
        self.pii = pii
        masks = ([_SECRET_MASK] if secrets else []) + ([_PII_MASK] if pii else [])
        self._masks = tuple(masks)
        # Strings seen lately with nothing to mask. The same ones come back on every span (a
        # system prompt, model and provider names), and a set lookup costs a fraction of the
        # screens for any string longer than a few words. Bounded in count and in characters:
        # emptied when either is full.
        self._clean: set[str] = set()
        self._clean_chars = 0
        # Keys known not to name a secret: attribute names and message fields repeat on every
        # span, and a set lookup is cheaper than asking the cached pattern (a gateway span's
        # attributes took 1.7 us that way, 0.7 with the set).
        self._plain_keys: set[str] = set()
        # The last input walked, what it became and what was masked in it. A guard span and the
        # model call under it share one input object (the tracer's shared snapshot): the second
        # gets the first's result, so both still hold one object and the store one copy.
        self._last_input: tuple[JSONValue, JSONValue, frozenset[str]] | None = None

    def __repr__(self) -> str:
        return f"Redact(secrets={self.secrets}, pii={self.pii})"

    def __call__(self, record: SpanRecord) -> SpanRecord:
        found: set[str] = set()
        value = record.input
        if value is not None:
            last = self._last_input
            if last is None or last[0] is not value:
                masked: set[str] = set()
                last = self._last_input = (value, self._walk(value, masked), frozenset(masked))
            record.input = last[1]
            found.update(last[2])
        if record.output is not None:
            record.output = self._walk(record.output, found)
        attrs = record.attributes = self._mapping(record.attributes, found)
        if record.error is not None:
            record.error.message = self._text(record.error.message, found)
            record.error.traceback = self._text(record.error.traceback, found)
        if found:
            previous = attrs.get(semconv.SF_REDACTED)
            if isinstance(previous, list):  # set by an earlier processor, or by the caller
                found.update(kind for kind in previous if type(kind) is str)
            attrs[semconv.SF_REDACTED] = sorted(found)
        return record

    def _walk(self, value: JSONValue, found: set[str]) -> JSONValue:
        if type(value) is str:
            return self._text(value, found)
        if isinstance(value, dict):
            return self._mapping(value, found)
        if isinstance(value, list):
            out: list[JSONValue] | None = None
            for i, item in enumerate(value):
                new = self._walk(item, found)
                if new is not item:
                    if out is None:
                        out = list(value)
                    out[i] = new
            return value if out is None else out
        return value

    def _mapping(self, value: dict[str, JSONValue], found: set[str]) -> dict[str, JSONValue]:
        # Copied on the first change only: most mappings (every span's attributes) have nothing
        # to mask, and building a new one each time took the processors from 5.9 to 9.2 us a
        # gateway span. The short-or-seen test inlines what _text would return at once.
        out: dict[str, JSONValue] | None = None
        secrets, clean, plain = self.secrets, self._clean, self._plain_keys
        for key, item in value.items():
            if secrets and key not in plain:
                if _is_secret_key(key):
                    if item is None:
                        continue
                    found.add("secret_attribute")
                    new: JSONValue = REDACTED
                else:
                    if len(plain) >= _PLAIN_MAX_KEYS:
                        plain.clear()
                    plain.add(key)
                    new = self._walk(item, found)
            else:
                kind = type(item)
                if kind is str:
                    if len(item) < 8 or item in clean:
                        continue
                    new = self._text(item, found)
                elif kind is list or kind is dict or isinstance(item, list | dict):
                    new = self._walk(item, found)
                else:
                    continue
            if new is not item:
                if out is None:
                    out = dict(value)
                out[key] = new
        return value if out is None else out

    def _text(self, text: str, found: set[str]) -> str:
        # Nothing either kind masks is shorter than 8 characters.
        if len(text) < 8 or text in self._clean:
            return text
        out, kinds = text, len(found)
        for mask in self._masks:
            if mask.screen(out):
                out = _masked(mask, out, found)
        if out == text and len(found) == kinds and len(text) <= _CLEAN_MAX_CHARS:
            clean = self._clean
            if len(clean) >= _CLEAN_MAX_STRINGS or self._clean_chars > _CLEAN_BUDGET_CHARS:
                clean.clear()
                self._clean_chars = 0
            clean.add(text)
            self._clean_chars += len(text)
            return text  # the same object, so a walk keeps what holds it
        return out


class RedactSecrets(Redact):
    """Mask Authorization/bearer values, API keys (``sk-…``, ``AKIA…``, ``ghp_…`` …) and values
    of secret-named keys (``*api_key*``, ``*token``, ``*secret*``, ``*password*``) and
    ``key=value`` assignments of them in text."""

    def __init__(self) -> None:
        super().__init__(secrets=True, pii=False)

    def __repr__(self) -> str:
        return "RedactSecrets()"


class RedactPII(Redact):
    """Mask email addresses, phone numbers, and card numbers that pass the Luhn check."""

    def __init__(self) -> None:
        super().__init__(secrets=False, pii=True)

    def __repr__(self) -> str:
        return "RedactPII()"

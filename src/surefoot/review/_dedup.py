"""Near-duplicate detection for candidate cases: normalised token shingles and Jaccard similarity.

Production failures repeat with small variations (a name, a number, whitespace). Texts are
normalised (case-folded, punctuation dropped, digits collapsed to ``0``), cut into overlapping
word ``k``-grams ("shingles"), and two texts are near-duplicates when the Jaccard similarity of
their shingle sets reaches a threshold.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

__all__ = ["input_text", "jaccard", "normalise", "shingles", "text_fingerprint"]

_TOKEN = re.compile(r"\w+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def input_text(value: Any) -> str:
    """The text a case input is compared by: strings as they are, anything else as sorted JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


def normalise(text: str) -> list[str]:
    """Case-folded word tokens with every run of digits replaced by ``0``.

    Examples:
        >>> normalise("Refund order #4521, please!")
        ['refund', 'order', '0', 'please']
    """
    return [_DIGITS.sub("0", token) for token in _TOKEN.findall(text.casefold())]


def shingles(tokens: list[str], k: int = 3) -> frozenset[tuple[str, ...]]:
    """The set of ``k``-token windows; a text shorter than ``k`` is one shingle of itself.

    Examples:
        >>> sorted(shingles(["a", "b", "c", "d"], k=3))
        [('a', 'b', 'c'), ('b', 'c', 'd')]
    """
    if len(tokens) < k:
        return frozenset({tuple(tokens)})
    return frozenset(tuple(tokens[i : i + k]) for i in range(len(tokens) - k + 1))


def jaccard(a: frozenset[Any], b: frozenset[Any]) -> float:
    """Jaccard similarity ``|a & b| / |a | b|``; 1.0 for two empty sets.

    Examples:
        >>> jaccard(frozenset({1, 2, 3}), frozenset({2, 3, 4}))
        0.5
        >>> jaccard(frozenset(), frozenset())
        1.0
    """
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def text_fingerprint(tokens: list[str]) -> str:
    """SHA-256 of the normalised tokens: equal for exact duplicates up to normalisation."""
    return hashlib.sha256(" ".join(tokens).encode("utf-8", "surrogatepass")).hexdigest()

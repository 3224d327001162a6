"""Per-case scorers: plain functions ``(output, expected) -> float`` in [0, 1].

Any callable of that shape is a scorer; the classes here are the built-in ones that take
parameters. A failed call (no output) scores 0 on every quality metric.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Protocol

import jsonschema

from surefoot.evals._dataset import normalise

__all__ = [
    "Contains",
    "CostUsd",
    "JsonSchema",
    "LatencyS",
    "NumericTolerance",
    "Regex",
    "ResultMetric",
    "Scorer",
    "exact_match",
    "json_valid",
    "normalised_match",
]


class Scorer(Protocol):
    """Scores one output against the case's expected value: 0 (worst) to 1 (best)."""

    def __call__(self, output: Any, expected: Any, /) -> float: ...


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def exact_match(output: Any, expected: Any) -> float:
    """1.0 when the output equals the expected value exactly.

    Examples:
        >>> exact_match("Paris", "Paris"), exact_match("paris", "Paris")
        (1.0, 0.0)
    """
    return float(output == expected)


def normalised_match(output: Any, expected: Any) -> float:
    """1.0 when equal after case-folding, Unicode NFC and whitespace collapsing.

    Examples:
        >>> normalised_match("  PARIS ", "paris")
        1.0
    """
    return float(normalise(output) == normalise(expected))


@dataclass(frozen=True)
class Contains:
    """1.0 when the expected text (or each of a list of texts) occurs in the output.

    Examples:
        >>> Contains()("The capital is Paris.", "Paris")
        1.0
    """

    case_sensitive: bool = False

    def __call__(self, output: Any, expected: Any) -> float:
        if output is None:
            return 0.0
        needles = expected if isinstance(expected, list) else [expected]
        hay = _text(output)
        if not self.case_sensitive:
            hay = hay.casefold()
            needles = [_text(n).casefold() for n in needles]
        return float(all(_text(n) in hay for n in needles))


@dataclass(frozen=True)
class Regex:
    """1.0 when the pattern matches somewhere in the output.

    Examples:
        >>> Regex(r"\\d{4}")("in 1969", None)
        1.0
    """

    pattern: str

    def __post_init__(self) -> None:
        re.compile(self.pattern)  # fail at definition, not on the first case

    def __call__(self, output: Any, expected: Any) -> float:
        return float(output is not None and re.search(self.pattern, _text(output)) is not None)


def json_valid(output: Any, expected: Any) -> float:
    """1.0 when the output is a JSON document (or already a parsed JSON value).

    Examples:
        >>> json_valid('{"a": 1}', None), json_valid("{a: 1}", None)
        (1.0, 0.0)
    """
    if output is None:
        return 0.0
    if not isinstance(output, str):
        return 1.0
    try:
        json.loads(output)
    except json.JSONDecodeError:
        return 0.0
    return 1.0


@dataclass(frozen=True)
class JsonSchema:
    """1.0 when the output is JSON that validates against the schema.

    Examples:
        >>> JsonSchema({"type": "object", "required": ["a"]})('{"a": 1}', None)
        1.0
    """

    schema: dict[str, Any]

    def __call__(self, output: Any, expected: Any) -> float:
        if not json_valid(output, expected):
            return 0.0
        value = json.loads(output) if isinstance(output, str) else output
        return float(jsonschema.Draft202012Validator(self.schema).is_valid(value))


@dataclass(frozen=True)
class NumericTolerance:
    """1.0 when the output parses as a number within the tolerance of the expected one.

    Examples:
        >>> NumericTolerance(abs_tol=0.01)("3.141", 3.14)
        1.0
    """

    abs_tol: float = 0.0
    rel_tol: float = 1e-9

    def __call__(self, output: Any, expected: Any) -> float:
        try:
            got, want = float(_text(output).strip()), float(expected)
        except (TypeError, ValueError):
            return 0.0
        return float(math.isclose(got, want, rel_tol=self.rel_tol, abs_tol=self.abs_tol))


class ResultMetric:
    """A metric of the call rather than the answer (latency, cost): lower is better."""

    higher_is_better = False
    field = ""

    def __call__(self, output: Any, expected: Any) -> float:
        raise TypeError(f"{type(self).__name__} scores results; the runner reads {self.field}")


class LatencyS(ResultMetric):
    """Seconds the target took for the case."""

    field = "latency_s"


class CostUsd(ResultMetric):
    """What the case cost, in US dollars (0 when the target reports no cost)."""

    field = "cost_usd"

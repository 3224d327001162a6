"""Output validators: JSON, pydantic models, JSON Schema, regex, length and custom checks.

A validator takes the model's text and returns a :class:`ValidationResult`. Validators combine:
``a & b`` passes when both pass and ``a | b``
when either does. A plain callable returning ``bool``, an error string (``""``/``None`` for a
pass) or a :class:`ValidationResult` is accepted wherever a validator is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsonschema

if TYPE_CHECKING:
    import pydantic

__all__ = [
    "AllOf",
    "AnyOf",
    "Check",
    "JsonSchema",
    "JsonValid",
    "Length",
    "PydanticModel",
    "Regex",
    "ValidationResult",
    "ValidatorBase",
    "ValidatorLike",
    "as_validator",
]

_FENCE = re.compile(r"^\s*```(?:json)?\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The outcome of one validation.

    Args:
        ok: whether the text passed.
        name: the validator's name, for reasons and traces.
        errors: what was wrong, in words a model can act on when reasked.
        value: the parsed value (a dict for JSON, a model instance for pydantic), when parsed.
    """

    ok: bool
    name: str
    errors: tuple[str, ...] = ()
    value: Any = None


class ValidatorBase:
    """Base of the built-in validators; gives them ``&`` and ``|``."""

    name = "validator"

    def __call__(self, text: str) -> ValidationResult:
        raise NotImplementedError

    def __and__(self, other: ValidatorLike) -> AllOf:
        return AllOf(self, other)

    def __rand__(self, other: ValidatorLike) -> AllOf:
        return AllOf(other, self)

    def __or__(self, other: ValidatorLike) -> AnyOf:
        return AnyOf(self, other)

    def __ror__(self, other: ValidatorLike) -> AnyOf:
        return AnyOf(other, self)

    def _pass(self, value: Any = None) -> ValidationResult:
        return ValidationResult(ok=True, name=self.name, value=value)

    def _fail(self, *errors: str) -> ValidationResult:
        return ValidationResult(ok=False, name=self.name, errors=errors)


ValidatorLike = ValidatorBase | Callable[[str], "bool | str | ValidationResult | None"]
"""A validator object, or a callable returning bool, an error string, or a result."""


def as_validator(validator: ValidatorLike) -> ValidatorBase:
    """Normalise a plain callable to a validator object."""
    return validator if isinstance(validator, ValidatorBase) else Check(validator)


def parse_json(text: str) -> Any:
    """Parse ``text`` as JSON, tolerating a Markdown code fence around it."""
    fenced = _FENCE.match(text)
    return json.loads(fenced.group(1) if fenced else text)


class AllOf(ValidatorBase):
    """Passes when every validator passes; reports all errors; keeps the last parsed value."""

    name = "all_of"

    def __init__(self, *validators: ValidatorLike) -> None:
        self.validators = tuple(as_validator(v) for v in validators)

    def __call__(self, text: str) -> ValidationResult:
        results = [v(text) for v in self.validators]
        errors = tuple(f"{r.name}: {e}" for r in results for e in r.errors)
        values = [r.value for r in results if r.value is not None]
        value = values[-1] if values else None
        return ValidationResult(ok=not errors, name=self.name, errors=errors, value=value)


class AnyOf(ValidatorBase):
    """Passes when at least one validator passes; the first passing result wins."""

    name = "any_of"

    def __init__(self, *validators: ValidatorLike) -> None:
        self.validators = tuple(as_validator(v) for v in validators)

    def __call__(self, text: str) -> ValidationResult:
        errors: list[str] = []
        for validator in self.validators:
            result = validator(text)
            if result.ok:
                return result
            errors.extend(f"{result.name}: {e}" for e in result.errors)
        return self._fail(*errors)


class JsonValid(ValidatorBase):
    """The text is JSON (optionally inside a Markdown code fence)."""

    name = "json"

    def __call__(self, text: str) -> ValidationResult:
        try:
            return self._pass(parse_json(text))
        except ValueError as exc:
            return self._fail(f"not valid JSON: {exc}")


class JsonSchema(ValidatorBase):
    """The text is JSON valid under ``schema`` (any draft that jsonschema knows)."""

    name = "json_schema"

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(dict(schema))
        self._validator = validator_class(schema)

    def __call__(self, text: str) -> ValidationResult:
        try:
            value = parse_json(text)
        except ValueError as exc:
            return self._fail(f"not valid JSON: {exc}")
        problems = sorted(self._validator.iter_errors(value), key=lambda e: list(e.path))
        if problems:
            return self._fail(*(_describe(p) for p in problems[:5]))
        return self._pass(value)


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/".join(str(p) for p in error.path) or "(root)"
    return f"at {where}: {error.message}"


class PydanticModel(ValidatorBase):
    """The text is JSON that ``model`` validates; the parsed value is the model instance."""

    name = "pydantic"

    def __init__(self, model: type[pydantic.BaseModel]) -> None:
        self.model = model

    def __call__(self, text: str) -> ValidationResult:
        try:
            return self._pass(self.model.model_validate(parse_json(text)))
        except ValueError as exc:  # pydantic.ValidationError and json errors are ValueErrors
            lines = str(exc).splitlines()
            return self._fail(*(line.strip() for line in lines[:6] if line.strip()))


class Regex(ValidatorBase):
    """The text matches ``pattern`` (``fullmatch=True`` demands the whole text match)."""

    name = "regex"

    def __init__(self, pattern: str | re.Pattern[str], *, fullmatch: bool = False) -> None:
        self.pattern = re.compile(pattern)
        self.fullmatch = fullmatch

    def __call__(self, text: str) -> ValidationResult:
        found = self.pattern.fullmatch(text) if self.fullmatch else self.pattern.search(text)
        if found is None:
            return self._fail(f"does not match the pattern {self.pattern.pattern!r}")
        return self._pass()


class Length(ValidatorBase):
    """The text has between ``min_chars`` and ``max_chars`` characters."""

    name = "length"

    def __init__(self, min_chars: int = 0, max_chars: int | None = None) -> None:
        self.min_chars = min_chars
        self.max_chars = max_chars

    def __call__(self, text: str) -> ValidationResult:
        size = len(text)
        if size < self.min_chars:
            return self._fail(f"{size} characters, fewer than the minimum {self.min_chars}")
        if self.max_chars is not None and size > self.max_chars:
            return self._fail(f"{size} characters, more than the maximum {self.max_chars}")
        return self._pass()


class Check(ValidatorBase):
    """Wrap a plain callable: ``True``/``None``/``""`` pass, ``False`` or an error string fails."""

    def __init__(self, check: Callable[[str], Any], name: str | None = None) -> None:
        self.check = check
        self.name = name or str(getattr(check, "__name__", "check"))

    def __call__(self, text: str) -> ValidationResult:
        outcome = self.check(text)
        if isinstance(outcome, ValidationResult):
            return outcome
        if outcome is True or outcome is None or outcome == "":
            return self._pass()
        if outcome is False:
            return self._fail("failed the check")
        return self._fail(str(outcome))

"""Data quality at ingestion: a schema per monitored input, checked column by column.

Every rule failure is a :class:`Violation` naming the record index, field, value and rule. Each
field's policy decides what happens: ``reject`` raises :class:`SchemaViolation`, ``flag`` lets the
record through and counts the violation as the signal ``quality.<field>.violation``. Nothing is
ever coerced: a ``"3"`` in a number field is a type violation, not a 3, and ``True`` is not 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from surefoot.core import InvalidInput, semconv
from surefoot.monitor._quality_rules import MISSING, FieldType, check_column

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

    from surefoot.monitor._quality_rules import BoolArray

# Violations kept with their values per report; counts are always complete.
MAX_EXAMPLES = 100


class QualityPolicy(StrEnum):
    """What a violation does: stop the batch, or let it through and count it."""

    REJECT = "reject"
    FLAG = "flag"


@dataclass(frozen=True)
class FieldSpec:
    """The rules of one input field.

    Args:
        name: The field's key in a record, or its column name.
        type: ``number``, ``integer``, ``string``, ``boolean`` or ``category``.
        required: The key (or column) must be present.
        nullable: ``None`` (and NaN for numbers) is allowed.
        minimum: Smallest allowed number, inclusive.
        maximum: Largest allowed number, inclusive.
        allowed: The categories a ``category`` field may take.
        policy: Overrides the schema's policy for this field.
    """

    name: str
    type: FieldType | str
    required: bool = True
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    allowed: frozenset[str] | None = None
    policy: QualityPolicy | str | None = None

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "type", FieldType(self.type))
        except ValueError as exc:
            raise InvalidInput(
                f"field {self.name!r}: unknown type {self.type!r}; use one of "
                f"{[t.value for t in FieldType]}"
            ) from exc
        if self.policy is not None:
            object.__setattr__(self, "policy", QualityPolicy(self.policy))
        if self.allowed is not None:
            object.__setattr__(self, "allowed", frozenset(self.allowed))
        if self.type is FieldType.CATEGORY and not self.allowed:
            raise InvalidInput(f"field {self.name!r}: a category field needs allowed categories")


@dataclass(frozen=True)
class Violation:
    """One broken rule."""

    index: int
    field: str
    value: Any
    rule: str


class SchemaViolation(InvalidInput):
    """A record broke a rule whose policy is ``reject``.

    Attributes:
        violation: The first rejecting violation (lowest record index).
        count: Rejecting violations in the whole batch.
    """

    def __init__(self, violation: Violation, count: int) -> None:
        v = violation
        super().__init__(
            f"record {v.index}: field {v.field!r} broke rule {v.rule!r} with value {v.value!r} "
            f"({count} rejecting violation(s) in the batch)",
            hint="fix the producer of this input, or set the field's policy to 'flag' to let "
            "such records through and monitor the violation rate instead",
        )
        self.violation = violation
        self.count = count


@dataclass(frozen=True)
class QualityReport:
    """What validating one batch found.

    Attributes:
        n: Records validated.
        counts: Violations per field.
        rules: Violations per ``(field, rule)``.
        violations: Up to ``MAX_EXAMPLES`` violations with their values, by record index.
        flags: Per field, a 0/1 per record: whether that record broke one of the field's rules.
    """

    n: int
    counts: dict[str, int]
    rules: dict[tuple[str, str], int]
    violations: tuple[Violation, ...]
    flags: dict[str, BoolArray] = field(repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether no rule was broken."""
        return not any(self.counts.values())

    def span_attributes(self, index: int = 0) -> dict[str, list[str]]:
        """Attributes telling a request's span which fields were checked and which broke a rule.

        Set them on the request's span (``span.set_attributes(...)``) and the trace signals
        ``quality.<field>.violation`` follow, monitored like any other signal.
        """
        if not 0 <= index < self.n:
            raise InvalidInput(f"record {index} is not in this batch of {self.n}")
        return {
            semconv.SF_QUALITY_FIELDS: sorted(self.flags),
            semconv.SF_QUALITY_VIOLATIONS: sorted(k for k, v in self.flags.items() if v[index]),
        }

    def signals(self) -> dict[str, list[float]]:
        """Columns ``quality.<field>.violation`` (0/1 per record), to profile and monitor."""
        return {
            f"quality.{name}.violation": flags.astype(np.float64).tolist()
            for name, flags in self.flags.items()
        }


@dataclass(frozen=True)
class Schema:
    """Rules for a monitored input.

    Args:
        fields: The fields and their rules.
        policy: The default policy of fields that set none.
        allow_extra: Whether keys or columns outside the schema are allowed (else flagged or
            rejected per the schema's policy under the rule ``extra``).

    Examples:
        >>> schema = Schema([FieldSpec("age", "integer", minimum=0), FieldSpec("plan", "category",
        ...     allowed=frozenset({"free", "pro"}))], policy="flag")
        >>> report = schema.validate_records([{"age": 30, "plan": "pro"}, {"age": -1, "plan": "x"}])
        >>> report.counts, report.signals()["quality.age.violation"]
        ({'age': 1, 'plan': 1}, [0.0, 1.0])
    """

    fields: Sequence[FieldSpec]
    policy: QualityPolicy | str = QualityPolicy.REJECT
    allow_extra: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "policy", QualityPolicy(self.policy))
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise InvalidInput("schema field names must be unique")

    def validate_records(self, records: Sequence[Mapping[str, Any]]) -> QualityReport:
        """Validate dict records (a missing key is ``required``, a ``None`` value ``nullable``).

        Raises:
            SchemaViolation: A field whose policy is ``reject`` was broken.
        """
        columns: dict[str, Any] = {}
        for spec in self.fields:
            values = np.empty(len(records), dtype=object)
            values[:] = [r.get(spec.name, MISSING) for r in records]
            columns[spec.name] = values
        extra = self._extra_records(records)
        return self._validate(len(records), columns, extra)

    def validate_columns(self, columns: Mapping[str, Any]) -> QualityReport:
        """Validate a dict of columns (numpy arrays or lists of equal length).

        Raises:
            SchemaViolation: A field whose policy is ``reject`` was broken.
            InvalidInput: The columns have different lengths.
        """
        lengths = {len(np.asarray(c, dtype=object).reshape(-1)) for c in columns.values()}
        if len(lengths) > 1:
            raise InvalidInput(f"columns have different lengths {sorted(lengths)}; align them")
        n = lengths.pop() if lengths else 0
        known = {f.name for f in self.fields}
        extra: list[Violation] = []
        if not self.allow_extra:
            extra = [Violation(0, k, "<column>", "extra") for k in columns if k not in known]
        present = {k: v for k, v in columns.items() if k in known}
        return self._validate(n, present, extra)

    def _extra_records(self, records: Sequence[Mapping[str, Any]]) -> list[Violation]:
        if self.allow_extra:
            return []
        known = {f.name for f in self.fields}
        return [
            Violation(i, key, record[key], "extra")
            for i, record in enumerate(records)
            for key in record
            if key not in known
        ]

    def _validate(
        self, n: int, columns: Mapping[str, Any], extra: list[Violation]
    ) -> QualityReport:
        rules: dict[tuple[str, str], int] = {}
        for v in extra:
            rules[(v.field, v.rule)] = rules.get((v.field, v.rule), 0) + 1
        examples = list(extra)
        # The first rejecting violation of each rule, and how many there are in all.
        rejecting = list(extra[:1]) if self.policy is QualityPolicy.REJECT else []
        rejected = len(extra) if self.policy is QualityPolicy.REJECT else 0
        flags: dict[str, BoolArray] = {}
        for spec in self.fields:
            broken = np.zeros(n, dtype=bool)
            for rule, mask, values in check_column(spec, columns.get(spec.name), n):
                hits = np.flatnonzero(mask)
                if not hits.size:
                    continue
                broken |= mask
                rules[(spec.name, rule)] = int(hits.size)
                found = [
                    Violation(int(i), spec.name, _value(values, int(i)), rule)
                    for i in hits[:MAX_EXAMPLES]
                ]
                examples.extend(found)
                if self._policy(spec) is QualityPolicy.REJECT:
                    rejecting.append(found[0])
                    rejected += int(hits.size)
            flags[spec.name] = broken
        if rejecting:
            raise SchemaViolation(min(rejecting, key=lambda v: v.index), rejected)
        counts: dict[str, int] = {}
        for (name, _), count in rules.items():
            counts[name] = counts.get(name, 0) + count
        examples.sort(key=lambda v: (v.index, v.field))
        return QualityReport(n, counts, rules, tuple(examples[:MAX_EXAMPLES]), flags)

    def _policy(self, spec: FieldSpec | None) -> QualityPolicy:
        return (
            QualityPolicy(spec.policy)
            if spec is not None and spec.policy
            else QualityPolicy(self.policy)
        )

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)


def _value(values: Any, index: int) -> Any:
    value = values[index]
    return None if value is MISSING else (value.item() if hasattr(value, "item") else value)

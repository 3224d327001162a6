"""Drift verdicts per field: an effect size AND a p-value, corrected across fields.

A verdict says "drift" only when the effect is large enough to matter (``effect >= threshold``)
and the Benjamini–Hochberg adjusted p-value is small enough to trust (``<= alpha``). The effect
gate is what keeps a million-row window from flagging every negligible wiggle, the way KSWIN asks
for ``st > 0.1`` as well as ``p <= alpha``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from surefoot.core import InvalidInput
from surefoot.monitor import _stats

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surefoot.monitor._profile import FieldProfile, Profile


class Method(StrEnum):
    """How a field is compared; each names its effect size and the test giving its p-value."""

    PSI = "psi"  # effect: PSI, p-value: chi-square on the bins
    JENSEN_SHANNON = "jensen_shannon"  # effect: JS distance (base 2), p-value: chi-square
    HELLINGER = "hellinger"  # effect: Hellinger distance, p-value: chi-square
    WASSERSTEIN = "wasserstein"  # effect: W1 / reference std, p-value: KS
    KS = "ks"  # effect: KS statistic D, p-value: KS
    CHI_SQUARE = "chi_square"  # effect: Cramér's V, p-value: chi-square
    MISSING_RATE = "missing_rate"  # effect: Cohen's h, p-value: two-proportion z-test


DEFAULT_THRESHOLDS: Mapping[Method, float] = {
    Method.PSI: 0.2,
    Method.JENSEN_SHANNON: 0.1,
    Method.HELLINGER: 0.1,
    Method.WASSERSTEIN: 0.1,
    Method.KS: 0.1,
    Method.CHI_SQUARE: 0.1,
    Method.MISSING_RATE: 0.2,
}

# Below this many values on either side a binned test has too little power to mean anything.
MIN_SAMPLES = 30
# Up to this size an exact-ish test is the natural reading; above it, a distance reads better.
SMALL_SAMPLE = 1000


class VerdictStatus(StrEnum):
    """The outcome of one comparison."""

    DRIFT = "drift"
    NO_DRIFT = "no_drift"
    INSUFFICIENT = "insufficient"


@dataclass(frozen=True)
class FieldVerdict:
    """One field's comparison of a current window against the reference.

    Attributes:
        field: Field name (``"<field>.missing_rate"`` for missing-value checks).
        method: The method used.
        effect_size: The method's effect size (NaN when there were too few samples).
        threshold: Effect size at or above which drift counts as material.
        p_value: Raw p-value of the method's test.
        adjusted_p_value: Benjamini–Hochberg adjusted across the report's fields.
        n_reference: Reference values compared.
        n_current: Current values compared.
        status: Drift, no drift, or too few samples to judge.
        message: A sentence a person can act on.
    """

    field: str
    method: Method
    effect_size: float
    threshold: float
    p_value: float
    adjusted_p_value: float
    n_reference: int
    n_current: int
    status: VerdictStatus
    message: str


@dataclass(frozen=True)
class DriftReport:
    """Verdicts for every field of a window, with the significance level used."""

    verdicts: tuple[FieldVerdict, ...]
    alpha: float

    @property
    def drifted(self) -> tuple[str, ...]:
        """Names of the fields that drifted."""
        return tuple(v.field for v in self.verdicts if v.status is VerdictStatus.DRIFT)

    def __getitem__(self, field: str) -> FieldVerdict:
        for verdict in self.verdicts:
            if verdict.field == field:
                return verdict
        raise KeyError(field)


def default_method(kind: str, n_reference: int, n_current: int) -> Method:
    """The method for a field type and sample size.

    Small samples get a test read directly (KS for numbers, chi-square for categories); large
    ones get a distance whose threshold keeps meaning the same as rows grow.

    Examples:
        >>> default_method("numeric", 500, 500), default_method("categorical", 10**6, 10**6)
        (<Method.KS: 'ks'>, <Method.JENSEN_SHANNON: 'jensen_shannon'>)
    """
    small = min(n_reference, n_current) <= SMALL_SAMPLE
    if kind == "numeric":
        return Method.KS if small else Method.WASSERSTEIN
    return Method.CHI_SQUARE if small else Method.JENSEN_SHANNON


def compare_field(
    name: str,
    reference: FieldProfile,
    current: FieldProfile,
    method: Method | None = None,
    threshold: float | None = None,
) -> FieldVerdict:
    """Compare one field's distribution (without the multiple-comparison correction)."""
    n_ref, n_cur = reference.n, current.n
    chosen = method or default_method(reference.bins.kind, n_ref, n_cur)
    limit = DEFAULT_THRESHOLDS[chosen] if threshold is None else threshold
    if min(n_ref, n_cur) < MIN_SAMPLES:
        message = (
            f"too few samples to judge {name!r} ({n_ref} reference, {n_cur} current; "
            f"need {MIN_SAMPLES} each): widen the window or wait for more traffic"
        )
        return FieldVerdict(
            name, chosen, math.nan, limit, math.nan, math.nan, n_ref, n_cur,
            VerdictStatus.INSUFFICIENT, message,
        )  # fmt: skip
    effect, p_value = _effect_and_p(chosen, reference, current)
    return FieldVerdict(
        name, chosen, effect, limit, p_value, p_value, n_ref, n_cur, VerdictStatus.NO_DRIFT, ""
    )


def _effect_and_p(method: Method, ref: FieldProfile, cur: FieldProfile) -> tuple[float, float]:
    a, b = ref.counts, cur.counts
    if method is Method.KS:
        result = _stats.kolmogorov_smirnov(a, b)
        return result.statistic, result.p_value
    if method is Method.WASSERSTEIN:
        if ref.bins.kind != "numeric":
            raise InvalidInput("wasserstein needs a numeric field; use jensen_shannon or psi")
        scale = ref.get().std or 1.0
        distance = _stats.wasserstein(a, b, ref.bins.centers) / scale
        return distance, _stats.kolmogorov_smirnov(a, b).p_value
    p_value = _stats.chi_square(a, b).p_value
    if method is Method.PSI:
        return _stats.psi(a, b), p_value
    if method is Method.JENSEN_SHANNON:
        return _stats.jensen_shannon(a, b), p_value
    if method is Method.HELLINGER:
        return _stats.hellinger(a, b), p_value
    if method is Method.CHI_SQUARE:
        return _stats.cramers_v(a, b), p_value
    raise InvalidInput(f"method {method!r} does not compare distributions; use compare_missing")


def compare_missing(name: str, reference: FieldProfile, current: FieldProfile) -> FieldVerdict:
    """Compare the share of missing values with a two-proportion z-test and Cohen's h."""
    n_ref = reference.n + reference.missing
    n_cur = current.n + current.missing
    field = f"{name}.missing_rate"
    limit = DEFAULT_THRESHOLDS[Method.MISSING_RATE]
    if min(n_ref, n_cur) < MIN_SAMPLES:
        return FieldVerdict(
            field, Method.MISSING_RATE, math.nan, limit, math.nan, math.nan, n_ref, n_cur,
            VerdictStatus.INSUFFICIENT, f"too few rows to judge {field!r}: widen the window",
        )  # fmt: skip
    test = _stats.two_proportion_z(reference.missing, n_ref, current.missing, n_cur)
    effect = _stats.cohens_h(reference.missing / n_ref, current.missing / n_cur)
    return FieldVerdict(
        field, Method.MISSING_RATE, effect, limit, test.p_value, test.p_value, n_ref, n_cur,
        VerdictStatus.NO_DRIFT, "",
    )  # fmt: skip


def drift_report(
    reference: Profile,
    current: Profile,
    *,
    alpha: float = 0.05,
    methods: Mapping[str, Method | str] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> DriftReport:
    """Compare every field of ``current`` with ``reference`` and correct across fields.

    Args:
        reference: The reference window's profile.
        current: The current window's profile, on the same bins.
        alpha: False discovery rate for the Benjamini–Hochberg correction.
        methods: Per-field method overrides; others follow :func:`default_method`.
        thresholds: Per-field effect-size thresholds; others use the method's default.

    Returns:
        A report with one verdict per field, plus one per field with missing values.

    Raises:
        InvalidInput: The profiles have different fields or bins, or a method does not fit.
    """
    if set(reference) != set(current):
        raise InvalidInput("reference and current profiles need the same fields; use one bins set")
    methods, thresholds = methods or {}, thresholds or {}
    raw: list[FieldVerdict] = []
    for name in reference:
        ref, cur = reference[name], current[name]
        if ref.bins != cur.bins:
            raise InvalidInput(f"field {name!r} was binned differently; rebuild from one reference")
        method = Method(methods[name]) if name in methods else None
        raw.append(compare_field(name, ref, cur, method, thresholds.get(name)))
        if ref.missing or cur.missing:
            raw.append(compare_missing(name, ref, cur))
    return DriftReport(_correct(raw, alpha), alpha)


def _correct(raw: list[FieldVerdict], alpha: float) -> tuple[FieldVerdict, ...]:
    judged = [i for i, v in enumerate(raw) if v.status is not VerdictStatus.INSUFFICIENT]
    adjusted = _stats.benjamini_hochberg([raw[i].p_value for i in judged])
    out = list(raw)
    for i, q in zip(judged, adjusted, strict=True):
        v = raw[i]
        drift = q <= alpha and v.effect_size >= v.threshold
        message = (
            f"{v.field!r} drifted: {v.method} {v.effect_size:.3g} >= {v.threshold:g}, "
            f"adjusted p {q:.2g} <= {alpha:g}; inspect the window's example traces"
            if drift
            else f"{v.field!r} stable: {v.method} {v.effect_size:.3g}, adjusted p {q:.2g}"
        )
        status = VerdictStatus.DRIFT if drift else VerdictStatus.NO_DRIFT
        out[i] = replace(v, adjusted_p_value=q, status=status, message=message)
    return tuple(out)

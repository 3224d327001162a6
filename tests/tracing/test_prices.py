"""The price table: lookup by pattern and date, TOML extension, cost on spans, re-pricing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surefoot import tracing
from surefoot.core import ConfigError, SpanKind, StoreSettings, semconv
from surefoot.store import Store
from surefoot.tracing import Price, PriceTable, Usage


def ns(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1e9)


def test_most_specific_pattern_wins() -> None:
    """gpt-4o-mini is priced as gpt-4o-mini*, not as gpt-4o*."""
    table = PriceTable.builtin()
    price = table.lookup("gpt-4o-mini-2024-07-18", ns("2025-01-01"))
    assert price is not None
    assert price.pattern == "gpt-4o-mini*"


def test_latest_effective_date_before_the_span_wins() -> None:
    """A price change applies only to spans on or after its effective date."""
    table = PriceTable.builtin()
    assert lookup(table, "gpt-4o", "2024-06-01").input == 5.00
    assert lookup(table, "gpt-4o", "2024-11-01").input == 2.50


@given(
    seconds=st.integers(0, 4_000_000_000),
    nanos=st.integers(0, 10**9 - 1),
    model=st.sampled_from(["gpt-4o", "GPT-4o-2024-08-06", "openai/gpt-4o-mini", "unknown"]),
)
def test_a_span_is_priced_on_its_utc_date(seconds: int, nanos: int, model: str) -> None:
    """The price of any instant is the price of its UTC calendar date, to the nanosecond."""
    day = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    table = PriceTable(
        [Price("gpt-4o*", day, 1.0, 2.0), Price("gpt-4o*", day + dt.timedelta(1), 3.0, 4.0)]
    )
    price = table.lookup(model, seconds * 10**9 + nanos)
    if model.lower().rsplit("/", 1)[-1].startswith("gpt-4o"):
        assert price is not None
        assert price.effective_from == day
    else:
        assert price is None


def test_provider_prefix_is_ignored_and_unknown_models_have_no_price() -> None:
    """``openai/gpt-4o`` matches gpt-4o; an unknown model has no price."""
    table = PriceTable.builtin()
    assert lookup(table, "openai/gpt-4o", "2025-01-01").pattern == "gpt-4o"
    assert table.lookup("my-own-model", ns("2025-01-01")) is None


def lookup(table: PriceTable, model: str, day: str) -> Price:
    price = table.lookup(model, ns(day))
    assert price is not None
    return price


def test_local_models_cost_nothing() -> None:
    """The local gemma3-270m model has a zero price."""
    assert lookup(PriceTable.builtin(), "gemma3-270m", "2025-06-01").cost(Usage(1000, 1000)) == 0


def test_cost_splits_cached_and_reasoning_tokens() -> None:
    """Cached input and reasoning tokens are priced at their own rates."""
    price = Price("m", dt.date(2025, 1, 1), input=2.0, output=8.0, cached_input=0.5, reasoning=4.0)
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cached_input_tokens=500_000,
                  reasoning_tokens=250_000)  # fmt: skip
    assert price.cost(usage) == pytest.approx(0.5 * 2 + 0.5 * 0.5 + 0.75 * 8 + 0.25 * 4)


def test_toml_entries_extend_and_override(tmp_path: Path) -> None:
    """A TOML entry with the same pattern and date replaces the built-in one."""
    path = tmp_path / "prices.toml"
    path.write_text(
        '[[price]]\nmodel = "gpt-4o"\neffective_from = 2024-10-01\ninput = 1.0\noutput = 2.0\n'
        '[[price]]\nmodel = "acme-*"\neffective_from = 2025-01-01\ninput = 3\noutput = 4\n'
    )
    table = PriceTable.builtin().merged(PriceTable.from_toml(path))
    assert lookup(table, "gpt-4o", "2025-01-01").input == 1.0
    assert lookup(table, "acme-large", "2025-02-01").version == "prices.toml:acme-*@2025-01-01"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('[[price]]\nmodel = "x"\neffective_from = 2025-01-01\ninput = -1\noutput = 1\n', "#1"),
        ('[[price]]\nmodel = "x"\ninput = 1\noutput = 1\n', "effective_from"),
        ("[[price]\n", "prices.toml"),
        ("other = 1\n", "[[price]]"),
    ],
)
def test_invalid_toml_names_file_and_entry(tmp_path: Path, body: str, fragment: str) -> None:
    """Invalid files raise ConfigError naming the file and the entry."""
    path = tmp_path / "prices.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=r"prices\.toml") as info:
        PriceTable.from_toml(path)
    assert fragment in str(info.value)


def test_record_usage_sets_tokens_and_cost(settings_factory, sink) -> None:
    """record_usage puts gen_ai.usage.* and surefoot.cost.* on the span."""
    tracing.init(settings_factory(), sink=sink)
    with tracing.span("chat", kind=SpanKind.LLM) as sp:
        cost = tracing.record_usage(sp, model="gpt-4o-mini", input_tokens=1000, output_tokens=500)
    assert tracing.flush()
    attrs = sink.spans[0].attributes
    assert cost == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    assert attrs[semconv.SF_COST_USD] == cost
    assert attrs[semconv.GEN_AI_USAGE_INPUT_TOKENS] == 1000
    assert attrs[semconv.SF_COST_PRICE_VERSION].startswith("builtin:gpt-4o-mini*@")


def test_record_usage_without_price_returns_none(settings_factory, sink) -> None:
    """An unknown model gets token counts but no cost."""
    tracing.init(settings_factory(), sink=sink)
    with tracing.span("chat", kind=SpanKind.LLM) as sp:
        assert tracing.record_usage(sp, model="mystery", input_tokens=1, output_tokens=1) is None
    assert tracing.flush()
    assert semconv.SF_COST_USD not in sink.spans[0].attributes


def test_reprice_fixes_stored_costs(settings_factory, tmp_path: Path) -> None:
    """reprice recomputes the cost of stored llm spans with a corrected table."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    tracing.init(settings_factory(store={"url": url}))
    with tracing.span("chat", kind=SpanKind.LLM) as sp:
        tracing.record_usage(sp, model="gpt-4o", input_tokens=1_000_000, output_tokens=0)
    with tracing.span("tool"):
        pass
    assert tracing.flush()
    tracing.shutdown()
    today = dt.datetime.now(dt.UTC).date()
    fixed = PriceTable([Price("gpt-4o", today - dt.timedelta(days=1), 1.0, 1.0, source="fix")])
    with Store.open(StoreSettings(url=url)) as store:
        assert tracing.reprice(store, fixed) == 1
        assert tracing.reprice(store, fixed) == 0
        (llm,) = list(store.iter_spans(SpanKind.LLM))
    assert llm.attributes[semconv.SF_COST_USD] == pytest.approx(1.0)
    assert llm.attributes[semconv.SF_COST_PRICE_VERSION].startswith("fix:")

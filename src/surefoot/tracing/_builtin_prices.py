"""The built-in price table: INDICATIVE list prices, USD per million tokens.

Taken from the providers' public price pages; they change, and contracts differ. Correct or
extend them with the ``tracing.price_table`` TOML file, then ``reprice`` stored spans.
"""

from __future__ import annotations

import datetime as dt

from surefoot.tracing._prices import Price

__all__ = ["BUILTIN_PRICES"]


def _p(
    pattern: str,
    since: str,
    inp: float,
    out: float,
    cached: float | None = None,
    write: float | None = None,
) -> Price:
    return Price(pattern, dt.date.fromisoformat(since), inp, out, cached, write)


BUILTIN_PRICES: tuple[Price, ...] = (
    # OpenAI
    _p("gpt-4o", "2024-05-13", 5.00, 15.00),
    _p("gpt-4o", "2024-10-01", 2.50, 10.00, 1.25),
    _p("gpt-4o-2024-*", "2024-05-13", 2.50, 10.00, 1.25),
    _p("gpt-4o-2024-05-13", "2024-05-13", 5.00, 15.00),
    _p("gpt-4o-mini*", "2024-07-18", 0.15, 0.60, 0.075),
    _p("gpt-4.1*", "2025-04-14", 2.00, 8.00, 0.50),
    _p("gpt-4.1-mini*", "2025-04-14", 0.40, 1.60, 0.10),
    _p("gpt-4.1-nano*", "2025-04-14", 0.10, 0.40, 0.025),
    _p("gpt-4-turbo*", "2024-04-09", 10.00, 30.00),
    _p("gpt-3.5-turbo*", "2024-01-25", 0.50, 1.50),
    _p("o1*", "2024-12-17", 15.00, 60.00, 7.50),
    _p("o1-mini*", "2024-09-12", 1.10, 4.40, 0.55),
    _p("o3*", "2025-04-16", 10.00, 40.00, 2.50),
    _p("o3*", "2025-06-10", 2.00, 8.00, 0.50),
    _p("o3-mini*", "2025-01-31", 1.10, 4.40, 0.55),
    _p("o4-mini*", "2025-04-16", 1.10, 4.40, 0.275),
    _p("text-embedding-3-small", "2024-01-25", 0.02, 0.0),
    _p("text-embedding-3-large", "2024-01-25", 0.13, 0.0),
    # Anthropic: cache reads at 0.1x input, cache writes (5 minutes) at 1.25x input
    _p("claude-3-haiku*", "2024-03-07", 0.25, 1.25, 0.03, 0.30),
    _p("claude-3-5-haiku*", "2024-11-04", 0.80, 4.00, 0.08, 1.00),
    _p("claude-haiku-4*", "2025-10-15", 1.00, 5.00, 0.10, 1.25),
    _p("claude-3-5-sonnet*", "2024-06-20", 3.00, 15.00, 0.30, 3.75),
    _p("claude-3-7-sonnet*", "2025-02-24", 3.00, 15.00, 0.30, 3.75),
    _p("claude-sonnet-4*", "2025-05-22", 3.00, 15.00, 0.30, 3.75),
    _p("claude-3-opus*", "2024-03-04", 15.00, 75.00, 1.50, 18.75),
    _p("claude-opus-4*", "2025-05-22", 15.00, 75.00, 1.50, 18.75),
    _p("claude-opus-4-5*", "2025-11-24", 5.00, 25.00, 0.50, 6.25),
    # Local models served on one's own hardware: no per-token price.
    _p("gemma3-270m*", "2025-01-01", 0.0, 0.0),
    _p("local/*", "2000-01-01", 0.0, 0.0),
)

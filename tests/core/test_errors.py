"""The error tree."""

from __future__ import annotations

import inspect

import pytest

from surefoot.core import errors


def _classes() -> list[type[errors.SurefootError]]:
    return [
        obj
        for obj in vars(errors).values()
        if inspect.isclass(obj) and issubclass(obj, errors.SurefootError)
    ]


def test_tree_in_docstring_names_every_class() -> None:
    """The drawn tree in the module docstring lists every error class."""
    doc = errors.__doc__ or ""
    missing = [cls.__name__ for cls in _classes() if cls.__name__ not in doc]
    assert missing == []


def test_every_leaf_says_what_to_do() -> None:
    """Every concrete error class that callers meet carries a default fix hint."""
    branches = {errors.SurefootError, errors.StoreError, errors.ProviderError, errors.GuardError}
    silent = [
        c.__name__
        for c in _classes()
        if c not in branches
        and not c.default_hint
        and c
        not in {
            errors.InvalidInput  # its hint is always specific to the input, given at raise time
        }
    ]
    assert silent == []


def test_message_includes_the_hint() -> None:
    """str() of an error ends with its fix."""
    exc = errors.MigrationRequired("schema at 0001, code expects 0002")
    assert str(exc) == "schema at 0001, code expects 0002 (fix: run `surefoot db upgrade`)"


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.ConfigError, ValueError),
        (errors.InvalidInput, ValueError),
        (errors.StoreUnavailable, ConnectionError),
        (errors.ProviderUnavailable, ConnectionError),
        (errors.ProviderTimeout, TimeoutError),
        (errors.DeadlineExceeded, TimeoutError),
    ],
)
def test_errors_can_be_caught_as_the_builtin_they_resemble(
    cls: type[errors.SurefootError], builtin: type[Exception]
) -> None:
    """Callers that catch the builtin also catch the surefoot error."""
    with pytest.raises(builtin):
        raise cls("boom")


def test_rate_limited_carries_retry_after() -> None:
    """RateLimited keeps the provider's Retry-After and its provider name."""
    exc = errors.RateLimited("slow down", retry_after_s=2.5, provider="openai", status_code=429)
    assert (exc.retry_after_s, exc.provider, exc.status_code, exc.retryable) == (
        2.5,
        "openai",
        429,
        True,
    )

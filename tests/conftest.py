"""Shared test configuration. Part-specific fixtures live in tests/_plugins/<part>.py."""

pytest_plugins = [
    "tests._plugins.services",
    "tests._plugins.store",
    "tests._plugins.tracing",
    "tests._plugins.model",
]

# Type-checked by mypy, never run: it would initialise tracing in the test process.
collect_ignore = ["typing/readme_examples.py"]

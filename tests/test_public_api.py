"""The public surface is frozen: every part's ``__all__`` matches tests/public_api.txt.

A change to the surface is deliberate: regenerate the file with
``.venv/bin/python tests/test_public_api.py`` and review the diff.
"""

from __future__ import annotations

import importlib
from pathlib import Path

PARTS = [
    "surefoot",
    "surefoot.core",
    "surefoot.store",
    "surefoot.tracing",
    "surefoot.providers",
    "surefoot.guard",
    "surefoot.actions",
    "surefoot.review",
    "surefoot.evals",
    "surefoot.monitor",
    "surefoot.testing",
    "surefoot.server",
    "surefoot.cli",
]
SNAPSHOT = Path(__file__).with_name("public_api.txt")


def surface() -> str:
    """One line per public name, ``module:name``, in a stable order."""
    lines = []
    for part in PARTS:
        module = importlib.import_module(part)
        lines += [f"{part}:{name}" for name in sorted(module.__all__)]
    return "\n".join(lines) + "\n"


def test_public_surface_matches_the_snapshot() -> None:
    """Each part exports exactly the names recorded in the snapshot."""
    assert surface() == SNAPSHOT.read_text(encoding="utf-8"), (
        "the public API changed: run `.venv/bin/python tests/test_public_api.py` and review"
    )


def test_every_exported_name_exists() -> None:
    """Every name in ``__all__`` is importable from its part."""
    for part in PARTS:
        module = importlib.import_module(part)
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], part


if __name__ == "__main__":
    SNAPSHOT.write_text(surface(), encoding="utf-8")

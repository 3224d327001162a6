"""The README's Python examples are type-checked: they live verbatim in readme_examples.py."""

from __future__ import annotations

from pathlib import Path

from tests.docs.test_docs_in_step import _readme_python_blocks

HERE = Path(__file__).parent


def test_typed_copy_matches_the_readme() -> None:
    """readme_examples.py holds exactly the README's Python blocks, which `mypy tests` checks."""
    text = (HERE / "readme_examples.py").read_text(encoding="utf-8")
    body = text.split('"""\n', 1)[1].strip()
    assert body == "\n\n# ---- next README example ----\n".join(_readme_python_blocks()).strip(), (
        "copy the README's Python examples into tests/typing/readme_examples.py"
    )

"""surefoot.testing."""

__all__: list[str] = []

"""surefoot.guard."""

__all__: list[str] = []

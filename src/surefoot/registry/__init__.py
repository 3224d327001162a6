"""surefoot.registry."""

__all__: list[str] = []

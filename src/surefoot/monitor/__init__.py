"""surefoot.monitor."""

__all__: list[str] = []

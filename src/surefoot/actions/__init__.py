"""surefoot.actions."""

__all__: list[str] = []

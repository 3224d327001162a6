"""surefoot.tracing."""

__all__: list[str] = []

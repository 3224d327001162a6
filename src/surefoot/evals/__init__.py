"""surefoot.evals."""

__all__: list[str] = []

"""surefoot keeps AI in production honest.

The names used every day are re-exported here; everything else lives in its part's namespace
(``surefoot.tracing``, ``surefoot.guard``, ``surefoot.store`` ...).
"""

from surefoot.core import Settings, SurefootError

__version__ = "0.1.0"

__all__ = ["Settings", "SurefootError", "__version__"]

"""``python -m surefoot.cli``: the same as the ``surefoot`` script."""

from surefoot.cli import main

main()

"""`python -m llmnotes` is the same as the `llmnotes` console script."""

from llmnotes.cli import run

run()

"""``python -m optimizer ...``: the command line of :mod:`optimizer.cli`."""

from .cli import main

main(prog_name="python -m optimizer")

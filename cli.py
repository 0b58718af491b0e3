"""``python cli.py ...`` from the repository root: the commands live in :mod:`optimizer.cli`.

Installed, the same command line is ``iop-optimizer ...`` or ``python -m optimizer ...``.
"""

from optimizer.cli import main

if __name__ == "__main__":
    main()

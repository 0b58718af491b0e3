"""``python -m optimizer.schema``: write, check or print the scenario's JSON Schema.

Without options it rewrites the committed ``optimizer/schema/scenario.schema.json`` from the
scenario model (run it after changing ``optimizer/scenario.py``). ``--check`` only compares
(exit 1 when the file is stale), ``--stdout`` prints the schema, ``--help`` explains.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import SCHEMA_PATH, schema_text

EXIT_STALE = 1


def parser() -> argparse.ArgumentParser:
    """The command line's arguments (``--help`` prints them)."""
    command = argparse.ArgumentParser(
        prog="python -m optimizer.schema",
        description=(
            "The JSON Schema (draft 2020-12) of a single-file scenario, derived from the "
            "scenario model. Without options, rewrites the schema file."
        ),
        epilog="Exit codes: 0 done (or current), 1 --check found the file stale, 2 usage error.",
    )
    mode = command.add_mutually_exclusive_group()
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the schema file differs from the model",
    )
    mode.add_argument(
        "--stdout", action="store_true", help="print the schema instead of writing the file"
    )
    command.add_argument(
        "--file",
        type=Path,
        default=SCHEMA_PATH,
        metavar="PATH",
        help="the schema file to write or check (default: the one shipped with the package)",
    )
    return command


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    args = parser().parse_args(argv)
    text = schema_text()
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = args.file.is_file() and args.file.read_text(encoding="utf-8") == text
        if not current:
            print(
                f"{args.file} differs from the scenario model; "
                "regenerate it with: python -m optimizer.schema",
                file=sys.stderr,
            )
            return EXIT_STALE
        print(f"{args.file} is current")
        return 0
    args.file.write_text(text, encoding="utf-8")
    print(f"wrote {args.file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

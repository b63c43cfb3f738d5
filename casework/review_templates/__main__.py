"""`python -m casework.review_templates [--path FOLDER]`: check the definitions without the
application (which refuses to start with a broken one). Exits 1 on any problem."""

from __future__ import annotations

import argparse
import sys

from casework.review_templates import TemplateError, load_all


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casework.review_templates")
    parser.add_argument("--path", help="a definitions folder (default: the shipped one)")
    args = parser.parse_args(argv)
    try:
        registry = load_all(args.path)
    except TemplateError as error:
        print(error, file=sys.stderr)
        return 1
    print(registry.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m templates_xlsx [--check] [directory]`: regenerate the committed templates.

With `--check` nothing is written; the exit status is 1 when a committed file differs from
what the specs generate (for CI).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from importer.kinds import specs
from templates_xlsx.build import TEMPLATE_DIR, build_template, regenerate, template_path


def stale_templates(directory: Path) -> list[Path]:
    """The template files in `directory` that are missing or differ from the specs."""
    stale = []
    for spec in specs():
        path = template_path(spec, directory)
        if not path.exists() or path.read_bytes() != build_template(spec):
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    """Regenerate (or with --check verify) the template of every kind."""
    parser = argparse.ArgumentParser(prog="python -m templates_xlsx", description=__doc__)
    parser.add_argument("directory", nargs="?", type=Path, default=TEMPLATE_DIR)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_templates(args.directory)
        for path in stale:
            print(f"stale: {path} (run: python -m templates_xlsx)")
        return 1 if stale else 0
    for path in regenerate(specs(), args.directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Entry point: dispatch `aiodeadlock <command>` to its implementation."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from aiodeadlock._version import __version__

USAGE = """\
usage: aiodeadlock <command> [options] ...

commands:
  run     run a Python program with deadlock detection on
  check   check Python sources for deadlock hazards (no code is run)
  report  render a saved JSON report again (text, json, html or dot)

Run `aiodeadlock <command> --help` for a command's options.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(USAGE)
        return 0 if args else 2
    if args[0] == "--version":
        from aiodeadlock.instrument.accel import describe

        sys.stdout.write(f"aiodeadlock {__version__} ({describe()})\n")
        return 0
    command, rest = args[0], args[1:]
    if command == "run":
        from aiodeadlock.cli.run_command import main as run_main

        return run_main(rest)
    if command == "check":
        from aiodeadlock.check.cli import main as check_main

        return int(check_main(rest))
    if command == "report":
        from aiodeadlock.cli.report_command import main as report_main

        return report_main(rest)
    sys.stderr.write(
        f"aiodeadlock: unknown command {command!r} (expected 'run', 'check' or 'report')\n"
    )
    return 2


def console_main() -> None:
    """Console-script wrapper that exits with `main()`'s code."""
    raise SystemExit(main())

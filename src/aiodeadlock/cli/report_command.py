"""`aiodeadlock report SAVED.json`: render a saved JSON report again, in any report format."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from aiodeadlock.model.jsondata import BadReportData
from aiodeadlock.model.report import Report
from aiodeadlock.report import FORMATS, render

EXIT_OK, EXIT_ERROR = 0, 2
PROG = "aiodeadlock report"

HELP = f"""\
usage: {PROG} [--format {{{",".join(FORMATS)}}}] [--output PATH] SAVED.json

Render a report saved by `aiodeadlock run --format json` again, in another format.

arguments:
  SAVED.json             the saved JSON report; '-' reads standard input

options:
  --format {{{",".join(FORMATS)}}}
                         the format to write (default: text); html is one self-contained
                         page, dot is for Graphviz (`dot -Tsvg`)
  --output PATH          where to write it; '-' is standard output (default: -)
  -h, --help             show this help and exit

Exit status: 0 when the report was written, 2 when the file is missing, unreadable or not
a report this version reads, or the options are wrong.
"""


class ReportError(Exception):
    """A problem to report on one line (exit status 2)."""


def main(argv: Sequence[str]) -> int:
    """Run `aiodeadlock report ARGV`; return the exit status."""
    try:
        if any(arg in ("-h", "--help") for arg in _options_part(argv)):
            sys.stdout.write(HELP)
            return EXIT_OK
        saved, format_name, output = parse(argv)
        report = load(saved)
        write(render(report, format_name), output)
    except ReportError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return EXIT_ERROR
    return EXIT_OK


def _options_part(argv: Sequence[str]) -> Sequence[str]:
    return argv[: argv.index("--")] if "--" in argv else argv


def parse(argv: Sequence[str]) -> tuple[str, str, str]:
    """(saved report path, format, output path) from the command line."""
    values = {"--format": "text", "--output": "-"}
    saved: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            saved += args[i:]
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name not in values:
                raise ReportError(f"unrecognized option {arg!r} (see --help)")
            if not eq:
                if i >= len(args):
                    raise ReportError(f"option {name} expects a value")
                value = args[i]
                i += 1
            values[name] = value
        elif arg.startswith("-") and arg != "-":
            raise ReportError(f"unrecognized option {arg!r} (see --help)")
        else:
            saved.append(arg)
    if values["--format"] not in FORMATS:
        raise ReportError(
            f"option --format: invalid choice {values['--format']!r} "
            f"(choose from {', '.join(FORMATS)})"
        )
    if not saved:
        raise ReportError("no report given: name a saved JSON report (SAVED.json)")
    if len(saved) > 1:
        raise ReportError(f"one report at a time, got {len(saved)}: {' '.join(saved)}")
    if not values["--output"]:
        raise ReportError("option --output expects a path ('-' for standard output)")
    return saved[0], values["--format"], values["--output"]


def load(path: str) -> Report:
    """The report saved at `path` ('-': standard input)."""
    shown = "standard input" if path == "-" else repr(path)
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as fh:
                data = fh.read()
    except FileNotFoundError:
        raise ReportError(f"no such file: {shown}") from None
    except IsADirectoryError:
        raise ReportError(f"{shown} is a directory, not a saved report") from None
    except OSError as exc:
        raise ReportError(f"cannot read {shown}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReportError(f"{shown}: not JSON: not UTF-8 text ({exc.reason})") from None
    try:
        return Report.loads(text)
    except BadReportData as exc:
        raise ReportError(f"{shown}: {exc}") from None
    except RecursionError:
        raise ReportError(f"{shown}: not a report: nested too deeply") from None


def write(text: str, output: str) -> None:
    """Write `text` to the file `output`, or to standard output for '-'."""
    if output == "-":
        data = text.encode("utf-8", "backslashreplace")
        try:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # the reader stopped early (`| head`): nothing more to say
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return
    try:
        with open(output, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(text)
    except OSError as exc:
        raise ReportError(f"cannot write {output!r}: {exc.strerror or exc}") from None

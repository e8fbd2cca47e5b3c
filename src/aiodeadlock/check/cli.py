"""`aiodeadlock check`: command-line parsing, output and exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="aiodeadlock check",
        description="Check Python sources for asyncio deadlock hazards (nothing is run).",
    )
    p.add_argument("paths", nargs="*", help="files or directories (default: current directory)")
    p.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    p.add_argument("--select", help="comma-separated code prefixes to report (e.g. DL203,DL21)")
    p.add_argument("--ignore", help="comma-separated code prefixes to skip")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    p.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    p.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    return p


def _codes(where: str, value: str | None) -> list[str] | None:
    from aiodeadlock.check.config import codes_list

    if value is None:
        return None
    return codes_list(where, [c.strip().upper() for c in value.split(",") if c.strip()])


def _list_rules() -> str:
    from aiodeadlock.check.rules import all_rules

    lines = []
    for r in all_rules():
        state = "" if r.default else " (opt-in)"
        lines.append(f"{r.code}  {r.name}{state}: {r.summary}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Run `aiodeadlock check ARGV`; return the exit code."""
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        sys.stderr.write(f"aiodeadlock check: error: {exc}\n")
        return EXIT_ERROR
    except SystemExit as exc:  # --help
        return EXIT_CLEAN if exc.code in (0, None) else EXIT_ERROR
    if args.list_rules:
        sys.stdout.write(_list_rules())
        return EXIT_CLEAN
    from aiodeadlock.check.config import Config, load_config
    from aiodeadlock.errors import ConfigError

    paths = [Path(p) for p in args.paths] or [Path(".")]
    for p in paths:
        if not p.exists():
            sys.stderr.write(f"aiodeadlock check: error: no such file or directory: {p}\n")
            return EXIT_ERROR
    try:
        config: Config = load_config(paths[0])
        select = _codes("--select", args.select)
        ignore = _codes("--ignore", args.ignore)
    except ConfigError as exc:
        sys.stderr.write(f"aiodeadlock check: error: {exc}\n")
        return EXIT_ERROR
    if select is not None:
        config.select = select
    if ignore:
        config.ignore = [*config.ignore, *ignore]
    try:
        from aiodeadlock.check.engine import run_check
        from aiodeadlock.check.render import render_json, render_text
        from aiodeadlock.check.sarif import render_sarif

        result = run_check(paths, config, use_cache=not args.no_cache)
        render = {"text": render_text, "json": render_json, "sarif": render_sarif}[args.format]
        report = render(result)
    except Exception as exc:  # internal error: one line, no traceback
        sys.stderr.write(f"aiodeadlock check: internal error: {type(exc).__name__}: {exc}\n")
        return EXIT_ERROR
    if args.output:
        try:
            Path(args.output).write_text(report, encoding="utf-8")
        except OSError as exc:
            sys.stderr.write(
                f"aiodeadlock check: error: cannot write {args.output}: {exc.strerror}\n"
            )
            return EXIT_ERROR
    else:
        sys.stdout.write(report)
    for message in result.internal_errors:
        sys.stderr.write(f"aiodeadlock check: warning: {message}\n")
    if result.internal_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if result.findings else EXIT_CLEAN

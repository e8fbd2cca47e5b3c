"""`aiodeadlock run`: parse its options, install the detector, run the program."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiodeadlock import api
from aiodeadlock.cli import run_config
from aiodeadlock.cli.runner import NoSuchProgram, run_module, run_script
from aiodeadlock.config import EXIT_DEADLOCK, OPTIONS_BY_NAME, RUN_OPTIONS, detector_config
from aiodeadlock.errors import ConfigError
from aiodeadlock.model.findings import LONG_WAIT
from aiodeadlock.report import json as json_report


def _help() -> str:
    """`run --help`, from the table of options."""
    lines = [
        "usage: aiodeadlock run [options] SCRIPT [ARGS...]",
        "       aiodeadlock run [options] -m MODULE [ARGS...]",
        "",
        "Run a Python program exactly as `python` would, with deadlock detection on.",
        "",
        "options:",
    ]
    for option in RUN_OPTIONS:
        head = option.flag
        if option.kind == "choice":
            head += " {" + ",".join(option.choices) + "}"
        elif option.kind != "switch":
            head += f" {option.metavar}"
        lines += _wrapped(head, option.help + _default(option.default, option.kind))
    lines += _wrapped("-h, --help", "show this help and exit")
    lines += [
        "",
        "Defaults can be set in pyproject.toml, e.g.:",
        "  [tool.aiodeadlock.run]",
        "  strict = true",
        "  grace = 2.0",
        "",
    ]
    return "\n".join(lines)


def _default(value: object, kind: str) -> str:
    if kind == "switch":
        return ""
    if value is None:
        return " (default: off)"
    return f" (default: {value:g})" if isinstance(value, float) else f" (default: {value})"


def _wrapped(head: str, text: str) -> list[str]:
    import textwrap

    body = textwrap.wrap(text, 79 - 25)
    if len(head) > 22:
        return [f"  {head}", *(" " * 25 + b for b in body)]
    first, *rest = body or [""]
    return [f"  {head:<22} {first}", *(" " * 25 + b for b in rest)]


class UsageError(ConfigError):
    """Bad command line: reported on one line, exit status 2."""


class RunOptions:
    """`run`'s options as given (seconds still as text), and the program to run."""

    def __init__(self) -> None:
        self.format = "text"
        self.output = "-"
        self.on_deadlock = "exit"
        self.grace = "1"
        self.strict = False
        self.dump_on_sigusr1 = False
        self.loop_blocked = "1"
        self.no_watchdog = False
        self.long_wait: str | None = None
        self.module: str | None = None
        self.script: str | None = None
        self.args: list[str] = []


def parse(argv: Sequence[str], defaults: dict[str, Any] | None = None) -> RunOptions:
    """Parse `run`'s options; everything after the program name belongs to the program."""
    opts = RunOptions()
    for key, value in (defaults or {}).items():
        setattr(opts, key, str(value) if isinstance(value, float) else value)
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg == "-m":
            if i + 1 >= len(argv):
                raise UsageError("argument -m: expected a module name")
            opts.module = argv[i + 1]
            opts.args = list(argv[i + 2 :])
            return opts
        if not arg.startswith("-") or arg == "-":
            break
        name, eq, value = arg.partition("=")
        option = OPTIONS_BY_NAME.get(name[2:]) if name.startswith("--") else None
        if option is None or (option.kind == "switch" and eq):
            raise UsageError(f"unrecognized option {arg!r}")
        if option.kind == "switch":
            setattr(opts, option.attr, True)
            i += 1
            continue
        if not eq:
            if i + 1 >= len(argv):
                raise UsageError(f"option {name} expects a value")
            i += 1
            value = argv[i]
        if option.kind == "choice" and value not in option.choices:
            raise UsageError(
                f"option {name}: invalid choice {value!r} (choose from {', '.join(option.choices)})"
            )
        setattr(opts, option.attr, value)
        i += 1
    if i >= len(argv):
        raise UsageError("no program to run: give a SCRIPT or -m MODULE")
    opts.script = argv[i]
    opts.args = list(argv[i + 1 :])
    return opts


def _check(opts: RunOptions) -> None:
    if opts.script is not None:
        if os.path.isdir(opts.script):
            raise UsageError(f"{opts.script!r} is a directory, not a Python script")
        if not os.path.exists(opts.script):
            raise UsageError(f"no such file: {opts.script!r}")
    for name in ("grace", "loop-blocked", "long-wait"):
        value = getattr(opts, OPTIONS_BY_NAME[name].attr)
        if value is not None:
            OPTIONS_BY_NAME[name].parse(value, f"option --{name}")
    if opts.output not in ("-", ""):
        parent = os.path.dirname(os.path.abspath(opts.output))
        if not os.path.isdir(parent):
            raise UsageError(f"cannot write the report to {opts.output!r}: no directory {parent!r}")
        if os.path.isdir(opts.output):
            raise UsageError(f"cannot write the report to {opts.output!r}: it is a directory")
        # Written now (an empty report): a path that cannot be written is a usage error
        # before the program runs, and the file exists even if the program ends in
        # os._exit(). Absolute, so a program that changes directory does not move it.
        try:
            with open(opts.output, "w", encoding="utf-8") as fh:
                fh.write(json_report.render([]) if opts.format == "json" else "")
        except OSError as exc:
            raise UsageError(
                f"cannot write the report to {opts.output!r}: {exc.strerror or exc}"
            ) from None
        opts.output = os.path.abspath(opts.output)


def main(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in _own_args(argv)):
        sys.stdout.write(_help())
        return 0
    try:
        opts = parse(argv, run_config.load(Path.cwd()))
        _check(opts)
        config = detector_config(vars(opts))
    except ConfigError as exc:
        sys.stderr.write(f"aiodeadlock run: error: {exc}\n")
        return 2
    program = ["-m", opts.module] if opts.module is not None else [opts.script or ""]
    api.start(config, command=["aiodeadlock", "run", *program, *opts.args])
    if opts.dump_on_sigusr1 and not api.dump_on_signal():
        sys.stderr.write("aiodeadlock run: warning: this platform has no SIGUSR1\n")
    exit_request: SystemExit | None = None
    try:
        if opts.module is not None:
            run_module(opts.module, opts.args)
        else:
            assert opts.script is not None
            run_script(opts.script, opts.args)
    except NoSuchProgram as exc:
        sys.stderr.write(f"aiodeadlock run: error: {exc}\n")
        return 2
    except SystemExit as exc:
        exit_request = exc
    # A report file always exists after a run, even if empty; potential findings
    # (lock-order inversions) are written now that the program is done.
    report = api.finish()
    potential = report.potential if report is not None else ()
    if opts.strict and any(f.kind is not LONG_WAIT for f in potential):  # long waits: notes
        return EXIT_DEADLOCK
    if exit_request is not None:
        raise exit_request
    return 0


def _own_args(argv: Sequence[str]) -> list[str]:
    """The arguments before the program name (the ones that belong to `run`)."""
    own: list[str] = []
    for arg in argv:
        if arg == "-m" or arg == "--" or not arg.startswith("-"):
            break
        own.append(arg)
    return own

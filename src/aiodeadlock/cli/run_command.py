"""`aiodeadlock run`: parse its options, install the detector, run the program."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiodeadlock import runtime
from aiodeadlock.cli import run_config
from aiodeadlock.cli.runner import NoSuchProgram, run_module, run_script
from aiodeadlock.model.findings import LONG_WAIT
from aiodeadlock.report import json as json_report
from aiodeadlock.session import EXIT_DEADLOCK, FORMATS, ON_DEADLOCK, Config

HELP = """\
usage: aiodeadlock run [options] SCRIPT [ARGS...]
       aiodeadlock run [options] -m MODULE [ARGS...]

Run a Python program exactly as `python` would, with deadlock detection on.

options:
  --format {text,json}   report format (default: text)
  --output PATH          where to write the report; '-' is stderr (default: -)
  --on-deadlock {exit,raise,report}
                         exit: write the report and exit with status 3 (default);
                         raise: raise aiodeadlock.DeadlockError in the waiting task;
                         report: write the report and let the program go on waiting
  --strict               exit with status 3 when potential deadlocks (lock-order
                         inversions) were found, even if the program succeeded
  --dump-on-sigusr1      on SIGUSR1, write every task, what it waits on and what it
                         holds to stderr, and carry on
  --grace SECONDS        how long a loop with nothing left to run must stay idle,
                         while tasks wait, before it is reported as a stall (default: 1)
  --loop-blocked SECONDS how long the event loop's thread may stay in one callback before
                         the watchdog checks whether it can ever return (default: 1)
  --no-watchdog          do not watch for a blocked event-loop thread
  --long-wait SECONDS    report (never fatal) a task that has waited on one primitive for
                         longer than this (default: off)
  -h, --help             show this help and exit

Defaults can be set in pyproject.toml, e.g.:
  [tool.aiodeadlock.run]
  strict = true
  grace = 2.0
"""

_CHOICES = {"--format": FORMATS, "--on-deadlock": ON_DEADLOCK, "--output": None, "--grace": None}
_CHOICES.update({"--loop-blocked": None, "--long-wait": None})
#: Options that take a number of seconds (a TOML default may be an int or a float).
_SECONDS = ("grace", "loop_blocked", "long_wait")


class UsageError(Exception):
    """Bad command line: reported on one line, exit status 2."""


class RunOptions:
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
        setattr(opts, key, str(value) if key in _SECONDS else value)
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
        if arg in ("--strict", "--dump-on-sigusr1", "--no-watchdog"):
            setattr(opts, arg[2:].replace("-", "_"), True)
            i += 1
            continue
        name, eq, value = arg.partition("=")
        if name not in _CHOICES:
            raise UsageError(f"unrecognized option {arg!r}")
        if not eq:
            if i + 1 >= len(argv):
                raise UsageError(f"option {name} expects a value")
            i += 1
            value = argv[i]
        choices = _CHOICES[name]
        if choices is not None and value not in choices:
            raise UsageError(
                f"option {name}: invalid choice {value!r} (choose from {', '.join(choices)})"
            )
        setattr(opts, name[2:].replace("-", "_"), value)
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
    try:
        grace = float(opts.grace)
    except ValueError:
        grace = -1.0
    if not grace > 0 or grace != grace or grace == float("inf"):
        raise UsageError(
            f"option --grace: expected a positive number of seconds, got {opts.grace!r}"
        )
    for name in ("loop_blocked", "long_wait"):
        _seconds(name, getattr(opts, name))
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


def _seconds(name: str, value: str | None) -> float | None:
    """A positive, finite number of seconds (None stays None), or a UsageError."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        option = "--" + name.replace("_", "-")
        raise UsageError(f"option {option}: expected a positive number of seconds, got {value!r}")
    return seconds


def main(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in _own_args(argv)):
        sys.stdout.write(HELP)
        return 0
    try:
        opts = parse(argv, run_config.load(Path.cwd()))
        _check(opts)
    except (UsageError, run_config.ConfigError) as exc:
        sys.stderr.write(f"aiodeadlock run: error: {exc}\n")
        return 2
    config = Config(
        on_deadlock=opts.on_deadlock,
        format=opts.format,
        output=opts.output or "-",
        grace=float(opts.grace),
        watchdog=None if opts.no_watchdog else _seconds("loop_blocked", opts.loop_blocked),
        long_wait=_seconds("long_wait", opts.long_wait),
    )
    session = runtime.install(config)
    if opts.dump_on_sigusr1:
        from aiodeadlock.instrument.snapshot import install_dump_handler

        if not install_dump_handler(session.write_text):
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
    potential = runtime.finish()
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

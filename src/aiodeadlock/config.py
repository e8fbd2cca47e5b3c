"""Detector settings, their one set of validators, and the table of `run` options."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiodeadlock.errors import ConfigError
from aiodeadlock.report import FORMATS

#: What happens when a definite deadlock is found (see Config.on_deadlock).
ON_DEADLOCK = ("exit", "raise", "report", "log")
#: Exit status of a run ended because of a definite deadlock.
EXIT_DEADLOCK = 3


def seconds(value: object, where: str) -> float:
    """`value` as a positive, finite number of seconds, or a ConfigError naming `where`."""
    number: float
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
    else:
        number = math.nan
    if not 0 < number < math.inf:  # NaN fails both
        raise ConfigError(f"{where} must be a positive number of seconds, got {value!r}")
    return number


def optional_seconds(value: object, where: str) -> float | None:
    return None if value is None else seconds(value, where)


def choice(value: object, allowed: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


@dataclass(frozen=True)
class Config:
    """Detector settings. `output`: None = write nothing, "-" = stderr, else a file path."""

    #: "raise": DeadlockError in the task that would wait forever; "exit": write the report
    #: and exit with status 3; "report": write it and let the program wait; "log": one JSON
    #: record per finding through the `aiodeadlock` logger, and the program goes on.
    on_deadlock: str = "raise"
    format: str = "text"
    output: str | None = None
    #: Seconds a loop must stay stalled before it is reported.
    grace: float = 1.0
    #: Raise mode never ends the process (the pytest plugin): a deadlock found from the
    #: event loop is also raised in a task parked on another task (tasks awaiting each
    #: other), and when no task can take it the loop is stopped instead.
    contained: bool = False
    #: Seconds the loop thread may stay in one callback before the watchdog looks at what
    #: it is blocked in (loop-blocked, DL106); None: no watchdog.
    watchdog: float | None = None
    #: Seconds a task may wait on one primitive before a long-wait (DL107) note; None: off.
    long_wait: float | None = None
    #: Also log each finding through the `aiodeadlock` logger, whatever `on_deadlock` is
    #: (production mode's raise: log, then raise).
    log: bool = False

    def __post_init__(self) -> None:
        choice(self.on_deadlock, ON_DEADLOCK, "on_deadlock")
        choice(self.format, FORMATS, "format")
        seconds(self.grace, "grace")
        optional_seconds(self.watchdog, "watchdog")
        optional_seconds(self.long_wait, "long_wait")

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Option:
    """One option of `aiodeadlock run`, also a `[tool.aiodeadlock.run]` key and a name in
    AIODEADLOCK_OPTIONS: `--loop-blocked 2`, `loop-blocked = 2`, `--loop-blocked=2`."""

    name: str  # without the dashes
    kind: str  # "choice", "seconds", "switch" or "path"
    default: object
    help: str
    choices: tuple[str, ...] = ()
    metavar: str = ""

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")

    def check(self, value: object, where: str) -> object:
        """A typed value (from TOML or the API), validated: a switch is a bool, seconds are
        a number (returned as a float), the others strings."""
        expected = {"switch": bool, "seconds": float}.get(self.kind, str)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if (expected is float and not number) or (
            expected is not float and not isinstance(value, expected)
        ):
            raise ConfigError(f"{where}: expected a {expected.__name__}, got {value!r}")
        return self.parse(value, where) if self.kind != "switch" else value

    def parse(self, value: object, where: str) -> object:
        """A value given as text (a command line, an environment variable), validated."""
        if self.kind == "choice":
            return choice(value, self.choices, where)
        if self.kind == "seconds":
            return seconds(value, where)
        if self.kind == "switch":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return str(value)


RUN_OPTIONS: tuple[Option, ...] = (
    Option("format", "choice", "text", "report format", FORMATS),
    Option("output", "path", "-", "where to write the report; '-' is stderr", metavar="PATH"),
    Option(
        "on-deadlock",
        "choice",
        "exit",
        "exit: write the report and exit with status 3; raise: raise "
        "aiodeadlock.DeadlockError in the waiting task; report: write the report and let the "
        "program go on waiting; log: log each finding as JSON (logger 'aiodeadlock') and go on",
        ON_DEADLOCK,
    ),
    Option(
        "strict",
        "switch",
        False,
        "exit with status 3 when potential deadlocks (lock-order inversions, ignored "
        "cancels, locks left by ended tasks, a busy loop) were found, even if the program "
        "succeeded",
    ),
    Option(
        "dump-on-sigusr1",
        "switch",
        False,
        "on SIGUSR1, write every task, what it waits on and what it holds to stderr, and go on",
    ),
    Option(
        "grace",
        "seconds",
        1.0,
        "how long a loop with nothing left to run must stay idle, while tasks wait, before "
        "it is reported as a stall",
        metavar="SECONDS",
    ),
    Option(
        "loop-blocked",
        "seconds",
        1.0,
        "how long the event loop's thread may stay in one callback before the watchdog "
        "checks whether it can ever return",
        metavar="SECONDS",
    ),
    Option("no-watchdog", "switch", False, "do not watch for a blocked event-loop thread"),
    Option(
        "long-wait",
        "seconds",
        None,
        "report (never fatal) a task that has waited on one primitive for longer than this",
        metavar="SECONDS",
    ),
)
OPTIONS_BY_NAME: dict[str, Option] = {o.name: o for o in RUN_OPTIONS}


def run_defaults() -> dict[str, object]:
    """Every run option's default, by attribute name."""
    return {o.attr: o.default for o in RUN_OPTIONS}


def parse_options(text: str, where: str) -> dict[str, object]:
    """Run options written as text (AIODEADLOCK_OPTIONS), validated, by attribute name.

    The names are those of `aiodeadlock run`, with or without the dashes; a value follows
    its name after `=` or a space: `--grace 2 --no-watchdog`, `grace=2 long-wait=30`.
    """
    import shlex

    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    values: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        name, eq, value = tokens[i].removeprefix("--").partition("=")
        option = OPTIONS_BY_NAME.get(name)
        if option is None:
            raise ConfigError(
                f"{where}: unknown option {tokens[i]!r} (known: {', '.join(OPTIONS_BY_NAME)})"
            )
        if option.kind == "switch" and not eq:
            values[option.attr] = True
        else:
            if not eq:
                i += 1
                if i >= len(tokens):
                    raise ConfigError(f"{where}: option {name} expects a value")
                value = tokens[i]
            values[option.attr] = option.parse(value, f"{where}: {name}")
        i += 1
    return values


def detector_config(values: Mapping[str, object], **fixed: Any) -> Config:
    """The Config of validated run option values (by attribute name, as run_defaults())."""
    grace = values.get("grace", 1.0)
    loop_blocked = values.get("loop_blocked", 1.0)
    long_wait = values.get("long_wait")
    settings: dict[str, Any] = {
        "on_deadlock": values.get("on_deadlock", "exit"),
        "format": values.get("format", "text"),
        "output": values.get("output", "-") or "-",
        "grace": seconds(grace, "grace"),
        "watchdog": None
        if values.get("no_watchdog")
        else optional_seconds(loop_blocked, "loop-blocked"),
        "long_wait": optional_seconds(long_wait, "long-wait"),
    }
    settings.update(fixed)
    return Config(**settings)

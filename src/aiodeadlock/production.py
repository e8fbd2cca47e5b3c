"""Production mode: detection switched on by the AIODEADLOCK environment variable.

`AIODEADLOCK=log|raise|report|exit` starts a detector in any Python process that has
aiodeadlock installed (the package's startup hook, `aiodeadlock-startup.pth`, imports
`aiodeadlock.startup` when the variable is set); child processes inherit the variable.
Detection starts when the process first imports asyncio (at once if it already has).
Other settings come from `[tool.aiodeadlock.run]` in the nearest pyproject.toml and then
from AIODEADLOCK_OPTIONS (the names of `aiodeadlock run`'s options). A bad value is one
warning line on stderr and detection stays off: the program is never broken by it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from aiodeadlock.config import (
    ON_DEADLOCK,
    Config,
    detector_config,
    parse_options,
    run_defaults,
)
from aiodeadlock.errors import ConfigError
from aiodeadlock.onimport import after_import

#: The variable that switches production mode on, and its value: what to do on a deadlock.
ENV = "AIODEADLOCK"
#: More settings, as `aiodeadlock run` options: `--grace 2 --long-wait 30`.
ENV_OPTIONS = "AIODEADLOCK_OPTIONS"
#: Values of AIODEADLOCK that mean "off", as well as unset or empty.
OFF = ("0", "off", "no", "false", "none")


def settings(environ: Mapping[str, str], cwd: Path | None = None) -> dict[str, object] | None:
    """The run option values that `environ` asks for (by attribute name, `on_deadlock`
    included), None if production mode is off; ConfigError for a bad value."""
    mode = environ.get(ENV, "").strip().lower()
    if not mode or mode in OFF:
        return None
    if mode not in ON_DEADLOCK:
        raise ConfigError(f"{ENV}={environ[ENV]!r} is not one of {', '.join(ON_DEADLOCK)}")
    from aiodeadlock.cli import run_config

    given = parse_options(environ.get(ENV_OPTIONS, ""), ENV_OPTIONS)
    values = run_defaults()
    values.update(run_config.load(cwd if cwd is not None else Path.cwd()))
    values.update(given)
    values["on_deadlock"] = mode  # the variable's own value wins
    if mode == "log" or (mode == "raise" and "output" not in given):
        values["output"] = None  # log: the log is the output; raise: the error carries it
    return values


def config_from(environ: Mapping[str, str], cwd: Path | None = None) -> Config | None:
    """The detector Config that `environ` asks for, None if production mode is off."""
    values = settings(environ, cwd)
    if values is None:
        return None
    output = values.pop("output")
    # raise mode logs each finding too, then raises it in the waiting task
    return detector_config(values, output=output, log=values["on_deadlock"] == "raise")


def start(environ: Mapping[str, str] | None = None) -> bool:
    """Start detection if `environ` (default: os.environ) asks for it, now or when asyncio
    is first imported; True if it asks for it.

    Never raises: a bad setting is one warning line on stderr, and detection stays off.
    """
    from aiodeadlock.respond import write_stderr

    try:
        environ = os.environ if environ is None else environ
        config = config_from(environ)
        if config is None:
            return False
        dump = bool((settings(environ) or {}).get("dump_on_sigusr1"))
        if "asyncio" in sys.modules:
            _start(config, dump)
        else:  # a process that never imports asyncio (a tool the service runs) pays
            # nothing more, and its imports happen in the order it makes them
            after_import("asyncio", lambda: _when_asyncio(config, dump))
    except ConfigError as exc:
        write_stderr(f"aiodeadlock: warning: {exc}; detection is off\n")
        return False
    except Exception as exc:  # never break the program that merely has us installed
        write_stderr(
            f"aiodeadlock: warning: production mode could not start "
            f"({type(exc).__name__}: {exc}); detection is off\n"
        )
        return False
    return True


#: A start put off until aiodeadlock's own modules have been imported (see api's end).
_pending: tuple[Config, bool] | None = None


def _when_asyncio(config: Config, dump_on_sigusr1: bool) -> None:
    """asyncio has just been imported. When one of aiodeadlock's modules imported it
    (the program imports `aiodeadlock.api` first), the detector cannot be built from
    half-imported modules: `aiodeadlock.api` starts it at the end of its import."""
    global _pending
    if _aiodeadlock_initializing():
        _pending = (config, dump_on_sigusr1)
    else:
        _start_safely(config, dump_on_sigusr1)


def start_pending() -> None:
    """Start a detection put off by `_when_asyncio`, if any."""
    global _pending
    pending, _pending = _pending, None
    if pending is not None:
        _start_safely(*pending)


def _aiodeadlock_initializing() -> bool:
    for name, module in list(sys.modules.items()):
        if name == "aiodeadlock" or name.startswith("aiodeadlock."):
            spec = getattr(module, "__spec__", None)
            if spec is not None and getattr(spec, "_initializing", False):
                return True
    return False


def _start_safely(config: Config, dump_on_sigusr1: bool) -> None:
    """Start detection; on any failure, one warning line and the program goes on."""
    try:
        _start(config, dump_on_sigusr1)
    except Exception as exc:  # never break the program that merely has us installed
        from aiodeadlock.respond import write_stderr

        write_stderr(
            f"aiodeadlock: warning: production mode could not start "
            f"({type(exc).__name__}: {exc}); detection is off\n"
        )


def _start(config: Config, dump_on_sigusr1: bool) -> None:
    import atexit

    from aiodeadlock import api

    api.start(config)  # the command line is read from sys.argv when a report is written
    if dump_on_sigusr1:
        api.dump_on_signal()
    atexit.register(_finish)  # potential findings (lock order...) when the program ends


def _finish() -> None:
    from aiodeadlock import api

    try:
        api.finish()
    except Exception:  # pragma: no cover - the program is over; say nothing more
        pass

"""The public API: a thin facade over the detector, used by the CLI and the pytest plugin too."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterable, Iterator
from typing import Any, TypeVar

from aiodeadlock import detector as _detector
from aiodeadlock.config import Config
from aiodeadlock.detector import Detector
from aiodeadlock.model.report import Report
from aiodeadlock.model.snapshot import Snapshot

T = TypeVar("T")

__all__ = [
    "Detector",
    "current",
    "detect",
    "dump_on_signal",
    "finish",
    "ignore_wakers",
    "install",
    "installed",
    "run",
    "snapshot",
    "start",
    "uninstall",
]


def install(
    *,
    on_deadlock: str = "raise",
    format: str = "text",
    output: str | None = None,
    grace: float = 1.0,
    watchdog: float | None = None,
    long_wait: float | None = None,
) -> Detector:
    """Turn detection on for every event loop in the process (idempotent).

    on_deadlock: "raise" (DeadlockError in the task that would wait forever), "exit"
    (write the report, exit with status 3), "report" (write it and let the task wait) or
    "log" (one JSON record per finding through the `aiodeadlock` logger; the program goes
    on). output: None (write nothing; the error carries the report), "-" (stderr) or a
    path. grace: seconds a stalled loop waits before it is reported. watchdog: seconds the
    loop's thread may stay in one callback before it is checked for a loop-blocked
    deadlock (None: no watchdog). long_wait: report waits longer than this (None: off).
    Returns the detector, whose `.findings` lists what it found. A bad value raises
    aiodeadlock.ConfigError (a ValueError).
    """
    config = Config(
        on_deadlock=on_deadlock,
        format=format,
        output=output,
        grace=grace,
        watchdog=watchdog,
        long_wait=long_wait,
    )
    return _detector.install(config)


def uninstall() -> None:
    """Turn detection off and restore asyncio exactly as it was."""
    _detector.uninstall()


def installed() -> bool:
    return _detector.current() is not None


def current() -> Detector | None:
    """The installed detector, or None."""
    return _detector.current()


@contextlib.contextmanager
def detect(**options: Any) -> Iterator[Detector]:
    """Detect deadlocks inside the block (options as for install()); yields the detector."""
    was_installed = installed()
    detector = install(**options)
    try:
        yield detector
    finally:
        finish()
        if not was_installed:
            uninstall()


def snapshot(loop: asyncio.AbstractEventLoop | None = None) -> Snapshot:
    """The current wait-for graph of `loop` (default: the running loop) as data.

    Each task with what it waits on (and where), what it holds (and since where) and
    its await stack; `.to_json()` and `.render()` turn it into JSON data or text.
    Holdings are known for primitives used while aiodeadlock is installed.
    """
    from aiodeadlock.instrument import snapshot as snap

    if loop is None:
        loop = asyncio.get_running_loop()
    current = asyncio.current_task(loop) if loop.is_running() else None
    return snap.take(loop, current)


def run(main: Coroutine[Any, Any, T], **options: Any) -> T:
    """Like `asyncio.run(main)`, with detection on while it runs."""
    with detect(**options):
        return asyncio.run(main)


# -- for tools that run programs (the command line, the pytest plugin, production mode) --


def start(config: Config, command: Iterable[str] | None = None) -> Detector:
    """Install with a full Config; `command` is what the report says was run."""
    run_info = None if command is None else _detector.run_info(command)
    return _detector.install(config, run_info)


def finish() -> Report | None:
    """End of a run: add potential findings (lock order...), write what is new, and
    return the whole report; None when not installed."""
    detector = _detector.current()
    return None if detector is None else detector.finish()


def ignore_wakers(handlers: Iterable[Any] = (), threads: Iterable[Any] = ()) -> None:
    """Signal handlers and threads that never wake a task (a test runner's timeout alarm):
    a loop whose waiting tasks only these could wake counts as stalled."""
    detector = _detector.current()
    if detector is not None:
        detector.ignore_wakers(handlers, threads)


def dump_on_signal() -> bool:
    """On SIGUSR1, write a snapshot of the running loop's tasks to stderr and go on.
    False where the platform has no SIGUSR1."""
    from aiodeadlock.instrument.snapshot import install_dump_handler
    from aiodeadlock.respond import write_stderr

    return install_dump_handler(write_stderr)


# Production mode (AIODEADLOCK set) waits for asyncio's first import; when this module
# made it, the detector could not start half-way through: it starts now.
from aiodeadlock.production import start_pending as _start_pending  # noqa: E402

_start_pending()

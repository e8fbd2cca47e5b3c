"""The public API: install/uninstall, a detect() context manager, run(), snapshot()."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

from aiodeadlock import runtime
from aiodeadlock.model.snapshot import Snapshot
from aiodeadlock.session import Config, Session

T = TypeVar("T")


def install(
    *,
    on_deadlock: str = "raise",
    format: str = "text",
    output: str | None = None,
    grace: float = 1.0,
    watchdog: float | None = None,
    long_wait: float | None = None,
) -> Session:
    """Turn detection on for every event loop in the process (idempotent).

    on_deadlock: "raise" (DeadlockError in the task that would wait forever), "exit"
    (write the report, exit with status 3) or "report" (write it and let the task wait).
    output: None (write nothing; the error carries the report), "-" (stderr) or a path.
    grace: seconds a stalled loop waits before it is reported. watchdog: seconds the
    loop's thread may stay in one callback before it is checked for a loop-blocked
    deadlock (None: no watchdog). long_wait: report waits longer than this (None: off).
    """
    config = Config(
        on_deadlock=on_deadlock,
        format=format,
        output=output,
        grace=grace,
        watchdog=watchdog,
        long_wait=long_wait,
    )
    return runtime.install(config)


def uninstall() -> None:
    """Turn detection off and restore asyncio exactly as it was."""
    runtime.uninstall()


@contextlib.contextmanager
def detect(**options: Any) -> Iterator[Session]:
    """Detect deadlocks inside the block (options as for install()); yields the session."""
    was_installed = runtime.installed()
    session = install(**options)
    try:
        yield session
    finally:
        runtime.finish()
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

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
    *, on_deadlock: str = "raise", format: str = "text", output: str | None = None
) -> Session:
    """Turn detection on for every event loop in the process (idempotent).

    on_deadlock: "raise" (DeadlockError in the task that would wait forever), "exit"
    (write the report, exit with status 3) or "report" (write it and let the task wait).
    output: None (write nothing; the error carries the report), "-" (stderr) or a path.
    """
    return runtime.install(Config(on_deadlock=on_deadlock, format=format, output=output))


def uninstall() -> None:
    """Turn detection off and restore asyncio exactly as it was."""
    runtime.uninstall()


@contextlib.contextmanager
def detect(
    *, on_deadlock: str = "raise", format: str = "text", output: str | None = None
) -> Iterator[Session]:
    """Detect deadlocks inside the block; yields the session (its `.findings`)."""
    was_installed = runtime.installed()
    session = install(on_deadlock=on_deadlock, format=format, output=output)
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

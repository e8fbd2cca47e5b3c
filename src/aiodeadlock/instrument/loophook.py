"""A hook in the event loop's iteration: when it is about to sleep with nothing to do,
and every so often while it is busy.

It wraps `BaseEventLoop._run_once`; the added cost per iteration is a few attribute
reads. Loops that do not derive from BaseEventLoop (uvloop) are not hooked.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import threading
import time
from asyncio import base_events
from collections.abc import Callable
from typing import Any

_BaseLoop: Any = base_events.BaseEventLoop
_run_once = _BaseLoop._run_once

#: Called with the loop when it is about to wait with no timeout (nothing ready, no timers).
on_idle: Callable[[Any], None] | None = None
#: Called with the loop now and then while it is busy (see PERIOD).
on_busy: Callable[[Any], None] | None = None
#: Called with the exception when a hook fails.
on_internal_error: Callable[[BaseException], None] | None = None

#: Seconds between two scans while the loop is busy (grown when scans are expensive).
period = 0.5
_next_scan = 0.0
_monotonic = time.monotonic
#: Loop iterations so far, and at the last scan (to tell whether anything happened since).
iterations = 0
scanned_at = -1


def run_once(self: Any) -> None:
    global iterations
    iterations += 1
    if not self._ready and not self._scheduled and not self._stopping:
        if on_idle is not None:
            _call(on_idle, self)
    elif on_busy is not None and _monotonic() >= _next_scan:
        busy_scan(self)
    _run_once(self)


def busy_scan(loop: Any) -> None:
    """Run the busy-loop hook now; schedule the next run so scans stay cheap."""
    global _next_scan, period, scanned_at
    hook = on_busy
    if hook is None:
        return
    scanned_at = iterations
    start = _monotonic()
    _call(hook, loop)
    end = _monotonic()
    # Keep scanning below ~2% of the loop's time, whatever the number of tasks.
    period = max(0.5, (end - start) * 50)
    _next_scan = end + period


def _call(hook: Callable[[Any], None], loop: Any) -> None:
    try:
        hook(loop)
    except Exception as exc:  # never let the detector break the loop
        if on_internal_error is not None:
            on_internal_error(exc)


def why_not_stalled(loop: Any, ignore: Any = None) -> str | None:
    """What could still wake this loop's tasks, or None if nothing can."""
    if any(h is not ignore for h in loop._ready):
        return "callbacks are ready to run"
    if any(not h._cancelled and h is not ignore for h in loop._scheduled):
        return "timers are pending"
    selector = getattr(loop, "_selector", None)
    if selector is None:
        return "unknown loop type"
    ssock = getattr(loop, "_ssock", None)
    own = ssock.fileno() if ssock is not None else -1
    if any(key.fd != own for key in selector.get_map().values()):
        return "file descriptors are being watched"
    if getattr(loop, "_signal_handlers", None):
        return "signal handlers are installed"
    if python_signal_handlers():
        return "signal handlers are installed"
    me = threading.current_thread()
    for thread in threading.enumerate():
        if thread is not me and thread.is_alive() and not getattr(thread, "_adl_own", False):
            return f"thread {thread.name!r} is alive"
    return None


#: Signal handlers of our own (the snapshot dump), which cannot wake a task.
own_handlers: set[Any] = set()


def python_signal_handlers() -> list[int]:
    """Signals with a Python-level handler of the program's (one may set an Event...)."""
    found = []
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (ValueError, OSError):
            continue
        own = (
            handler is signal.default_int_handler
            or handler in own_handlers
            or _is_runner_sigint(handler)
        )
        if callable(handler) and not own:
            found.append(int(sig))
    return found


def _is_runner_sigint(handler: Any) -> bool:
    """asyncio.run's own Ctrl-C handler: it only cancels the main task on Ctrl-C."""
    while isinstance(handler, functools.partial):
        handler = handler.func
    owner = getattr(handler, "__self__", None)
    runner = getattr(asyncio, "Runner", None)
    if runner is not None and isinstance(owner, runner):
        return True
    # pytest-asyncio >= 1.0 on 3.10 runs tests in backports.asyncio.runner's Runner
    cls = type(owner)
    return cls.__name__ == "Runner" and cls.__module__.startswith("backports.asyncio.runner")


def scan_later(loop: Any) -> None:
    """The loop is going idle (but is not stalled): make sure a scan runs soon if
    anything happened since the last one, without waking an idle loop forever."""
    if iterations - scanned_at <= 2 or getattr(loop, "_adl_scan", None) is not None:
        return
    delay = max(0.0, _next_scan - _monotonic())

    def scan() -> None:
        loop._adl_scan = None
        busy_scan(loop)

    loop._adl_scan = loop.call_later(delay, scan)


def call_once_later(loop: Any, name: str, delay: float, callback: Callable[[Any], None]) -> None:
    """Schedule `callback(loop)` in `delay` seconds, unless one called `name` is pending."""
    attr = f"_adl_{name}"
    if getattr(loop, attr, None) is not None:
        return

    def run() -> None:
        setattr(loop, attr, None)
        callback(loop)

    setattr(loop, attr, loop.call_later(delay, run))


def blocked_tasks(loop: Any) -> list[Any]:
    """The loop's unfinished tasks."""
    return list(asyncio.all_tasks(loop))


PATCHES: list[tuple[Any, str, Any]] = [(_BaseLoop, "_run_once", run_once)]

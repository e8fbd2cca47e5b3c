"""What interpreter exit waits for: the main thread in threading's shutdown, joining the
threads that are not daemons, and what each live thread is blocked in."""

from __future__ import annotations

import signal
import threading
from types import FrameType

from aiodeadlock.instrument.threadwaits import Reader
from aiodeadlock.model.threads import ThreadWait

_SHUTDOWN = threading._shutdown.__code__  # type: ignore[attr-defined]
_MAX_DEPTH = 64


def exiting(top: FrameType | None) -> bool:
    """True if `top` (the main thread's innermost frame) is inside threading's shutdown,
    which interpreter exit runs to join the threads that are not daemons."""
    frame, depth = top, 0
    while frame is not None and depth < _MAX_DEPTH:
        if frame.f_code is _SHUTDOWN:
            return True
        frame, depth = frame.f_back, depth + 1
    return False


def exit_waits(
    reader: Reader, main: int, me: int
) -> tuple[list[str], dict[int, ThreadWait | None]]:
    """The names of the threads exit joins, and what every live thread but the main one
    and `me` waits in (None: not a wait we know, or a thread threading does not know)."""
    known = {t.ident: t for t in threading.enumerate()}
    joined = [
        t.name
        for t in known.values()
        if t.ident != main and not t.daemon and t.is_alive() and not getattr(t, "_adl_own", 0)
    ]
    waits: dict[int, ThreadWait | None] = {}
    for tid in reader.frames:
        if tid in (main, me):
            continue
        thread = known.get(tid)
        if thread is not None and getattr(thread, "_adl_own", False):
            continue
        waits[tid] = reader.wait(tid) if thread is not None else None
    return joined, waits


def signal_wakers() -> list[str]:
    """Python signal handlers that could run in the main thread while exit waits (and so
    end a wait): every callable handler but Python's own SIGINT one and ours."""
    found = []
    for sig in signal.valid_signals():
        try:
            handler = signal.getsignal(sig)
        except (OSError, ValueError):
            continue
        if not callable(handler) or handler is signal.default_int_handler:
            continue
        if str(getattr(handler, "__module__", "")).startswith("aiodeadlock."):
            continue
        found.append(f"{signal.Signals(sig).name}: {getattr(handler, '__qualname__', handler)}")
    return found

"""Which threads hold a primitive in hand, asked from any thread (the loop's or a monitor's)."""

from __future__ import annotations

import _thread
import sys
import threading
from types import FrameType
from typing import Any

from aiodeadlock.instrument.introspect import joins_forever


def threads_referencing(prims: list[Any], depth: int = 64) -> list[int]:
    """Idents of the other live threads (not the calling one, nor the detector's own) with one
    of `prims` in a local variable of one of their innermost `depth` frames.

    The calling thread is told by its ident: a bare thread (a monitor) asking is not made
    known to `threading`.
    """
    wanted = {id(p) for p in prims}
    frames = sys._current_frames()
    try:
        return _referencing(wanted, frames, depth)
    finally:
        frames.clear()  # it holds this frame, which holds it: no cycle left for the gc


def _referencing(wanted: set[int], frames: dict[int, FrameType], depth: int) -> list[int]:
    me = _thread.get_ident()
    # the calling thread's Thread object, if it has one (never made here)
    caller = threading._active.get(me)  # type: ignore[attr-defined]
    found = []
    for thread in threading.enumerate():
        ident = thread.ident
        if ident is None or ident == me or getattr(thread, "_adl_own", False):
            continue
        frame = frames.get(ident)
        if caller is not None and joins_forever(frame, caller):
            continue  # it does nothing until the caller ends
        try:
            for _ in range(depth):
                if frame is None:
                    break
                if any(id(v) in wanted for v in frame.f_locals.values()):
                    found.append(ident)
                    break
                frame = frame.f_back
        except Exception:  # a frame we cannot read: count the thread as holding it
            found.append(ident)
    return found

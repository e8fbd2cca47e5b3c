"""The one slot through which the instrumentation reports to the detector.

Patched code calls `SLOT.probe.<event>(...)`. The default probe does nothing, so an
instrumented program with no detector behind it (or one whose detector failed) only pays
for the call. A probe that raises is dropped (`SLOT.failed`): one warning, detection off,
and the program never sees the exception.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aiodeadlock.instrument.taskstate import TaskState


class Probe:
    """What the instrumentation tells the detector; every event is ignored by default."""

    def contended(self, st: TaskState, prim: Any, frame: FrameType | None) -> BaseException | None:
        """A task (record `st`) is about to park on `prim`, which is taken. The error
        returned, if any, is raised in that task instead of parking it."""
        return None

    def nested(self, st: TaskState, prim: Any, frame: FrameType | None) -> None:
        """A task that holds instrumented primitives (`st.held`) asks for `prim`."""

    def idle(self, loop: Any) -> None:
        """`loop` is about to wait with no timeout: nothing is ready, no timer is due."""

    def between(self, loop: Any, pausing: bool) -> None:
        """`loop` is busy and a periodic look is due (`SLOT.due`), or it has parked tasks to
        read and is about to wait for a timer or I/O (`pausing`)."""

    def failed(self, exc: BaseException) -> None:
        """The probe raised `exc` (after which it is no longer called)."""


_NOTHING = Probe()


class Slot:
    """The current probe and the loop hook's pacing (read on every loop iteration)."""

    __slots__ = ("due", "probe", "ticks", "watching")

    def __init__(self) -> None:
        self.probe: Probe = _NOTHING
        #: True while a detector's probe is in the slot (the hot paths skip work otherwise).
        self.watching = False
        #: Loop iterations so far, all loops (to tell whether anything ran since a look).
        self.ticks = 0
        #: When the next periodic look at a busy loop is due (time.monotonic()).
        self.due = float("inf")

    def plug(self, probe: Probe) -> None:
        self.probe = probe
        self.watching = True
        self.due = 0.0

    def unplug(self) -> None:
        self.probe = _NOTHING
        self.watching = False
        self.due = float("inf")

    def fail(self, exc: BaseException) -> None:
        """Drop the current probe after it raised `exc` and tell it why (once)."""
        probe = self.probe
        self.unplug()
        if probe is _NOTHING:
            return
        try:
            probe.failed(exc)
        except Exception:  # nothing more can be done for a probe that fails to fail
            try:
                sys.stderr.write(f"aiodeadlock: internal error: {type(exc).__name__}: {exc}\n")
            except (OSError, ValueError, AttributeError):
                pass


SLOT = Slot()

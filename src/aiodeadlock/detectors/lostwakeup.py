"""A lost wake-up: callbacks wait in the ready queue of a loop that sleeps for good.

A callback scheduled with `call_soon` from a `signal.signal` handler or from another
thread does not wake a loop that sleeps in its selector with no timeout: the loop never
runs it. The tasks it would have woken wait forever, although nothing else is wrong.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiodeadlock.model.findings import STALL, Finding, TaskReport
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import TaskNode

#: What to do instead, said in every such finding.
FIX = (
    "schedule from a signal handler with loop.add_signal_handler(), and from another "
    "thread with loop.call_soon_threadsafe() or asyncio.run_coroutine_threadsafe()"
)


def explain_lost_wakeup(
    woken: Sequence[TaskNode],
    callbacks: Sequence[str],
    handlers: Sequence[tuple[str, Location]],
    asleep_for: float,
) -> Finding:
    """The finding for a loop asleep for `asleep_for` s with `callbacks` ready to run:
    the tasks they would wake (`woken`, with their await stacks) and the program's
    Python-level signal handlers (`handlers`: signal name, where it is defined)."""
    tasks = tuple(
        TaskReport(
            key=t.key,
            name=t.name,
            state="ready",
            waits_at=t.stack[-1] if t.stack else None,
            stack=t.stack,
        )
        for t in woken
    )
    what = ", ".join(repr(t.name) for t in woken[:3]) or ", ".join(callbacks[:3])
    more = len(woken) - 3 if woken else len(callbacks) - 3
    if more > 0:
        what += f" and {more} more"
    ready = "task" if woken else "callback"
    message = (
        f"the event loop has slept for {asleep_for:.1f}s with {len(callbacks)} callback(s) "
        f"ready to run ({ready} {what}), and nothing will wake it: they were scheduled "
        "without waking the loop (call_soon from a signal.signal handler or another thread)"
    )
    notes = [f"ready to run: {c}" for c in callbacks[:10]]
    if len(callbacks) > 10:
        notes.append(f"... and {len(callbacks) - 10} more callbacks")
    for name, where in handlers:
        notes.append(f"{name} has a signal.signal handler, {where.function} at {where.short()}")
    notes.append(f"fix: {FIX}")
    location = handlers[0][1] if handlers else next((t.waits_at for t in tasks if t.waits_at), None)
    return Finding(STALL, message, location, (), tasks, (), tuple(notes))

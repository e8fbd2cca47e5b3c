"""Cancel-ignored (DL108): a task was cancelled a grace period ago, has not ended, and
something waits for it to end.

A task that is asked to stop but goes on (it caught the CancelledError and did not raise
it again) leaves whoever cancelled it and awaits it waiting for as long as it runs. It is
a potential finding: the task may still end. A task that is handling an exception (inside
an except or finally block, or an `__aexit__`) is cleaning up, maybe slowly, and is not
reported; nor is one whose cancel was taken back (asyncio.timeout, TaskGroup).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from aiodeadlock.model.findings import CANCEL_IGNORED, Edge, Finding, Resource, TaskReport
from aiodeadlock.model.location import Location

#: Key of asyncio.run's shutdown among the waiters of a cancelled task.
SHUTDOWN = "shutdown"


class Waiting(Protocol):
    """Something that waits for a cancelled task to end: a task, or asyncio.run's shutdown."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def at(self) -> Location | None: ...
    @property
    def stack(self) -> tuple[Location, ...]: ...


class Cancelled(Protocol):
    """A task with a cancel request pending (see instrument/cancels.py)."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def pending_for(self) -> float: ...
    @property
    def requested_at(self) -> Location | None: ...
    @property
    def requested_by(self) -> str | None: ...
    @property
    def via(self) -> str | None: ...
    @property
    def caught_at(self) -> Location | None: ...
    @property
    def handling(self) -> bool: ...
    @property
    def waits_at(self) -> Location | None: ...
    @property
    def stack(self) -> tuple[Location, ...]: ...
    @property
    def awaiters(self) -> Sequence[Waiting]: ...


#: `(loop facts' tasks, grace) -> cancelled tasks pending at least that long`, read from
#: the loop the scanner looks at (None where cancels are not read).
PendingCancels = Callable[[list[object], float], Sequence[Cancelled]]


def ignored(pending: Sequence[Cancelled]) -> list[Cancelled]:
    """The cancelled tasks that went on instead of ending, and are waited for."""
    return [p for p in pending if p.awaiters and not p.handling]


def requested(p: Cancelled) -> str:
    """Who asked for the cancel and where, as a phrase ("by task 'main' at app.py:12")."""
    text = ""
    if p.requested_by is not None:
        text += f" by {p.requested_by}"
    if p.requested_at is not None:
        text += f" at {p.requested_at.short()}"
    if p.via is not None:
        text += f" (passed on by task {p.via!r}, which awaited it)"
    return text


def cancel_ignored(p: Cancelled, grace: float) -> Finding:
    """The potential DL108 finding of a cancelled task that is waited for."""
    rkey = "R" + p.key
    resource = Resource(rkey, "Task", p.name)
    edges = []
    waiters = []
    for w in p.awaiters:
        edges.append(Edge(w.key, rkey, w.at, p.key, None, "finishes"))
        waiters.append(
            TaskReport(
                key=w.key,
                name=w.name,
                state="waiting",
                waits_for=rkey,
                waits_at=w.at,
                stack=w.stack,
            )
        )
    task = TaskReport(
        key=p.key,
        name=p.name,
        state="cancelled",
        waits_at=p.waits_at,
        stack=p.stack,
        cancelled_at=p.requested_at,
        cancelled_by=p.requested_by,
        caught_at=p.caught_at,
    )
    caught = ""
    if p.caught_at is not None:
        caught = f"; it caught the CancelledError at {p.caught_at.short()} and went on"
    who = []
    for w in p.awaiters:
        if w.key == SHUTDOWN:
            who.append("asyncio.run's shutdown waits for it")
        else:
            where = f" at {w.at.short()}" if w.at is not None else ""
            who.append(f"task {w.name!r} waits for it{where}")
    message = (
        f"Task {p.name!r} was cancelled{requested(p)} more than {grace:g}s ago and has not "
        f"ended{caught}; " + ", ".join(who)
    )
    notes: tuple[str, ...] = ()
    if p.caught_at is None and p.requested_at is None:
        notes = ("where the cancel was asked for and caught is recorded on Python 3.12+",)
    return Finding(
        CANCEL_IGNORED,
        message,
        p.caught_at or p.waits_at,
        tuple(edges),
        (task, *waiters),
        (resource,),
        notes=notes,
        potential=True,
    )


def stall_note(p: Cancelled) -> str:
    """A note for a stall or cycle one of whose tasks had its cancel ignored."""
    caught = f": it caught the CancelledError at {p.caught_at.short()}" if p.caught_at else ""
    return f"task {p.name!r} was cancelled{requested(p)} and did not end{caught}"

"""Decide whether a blocked event-loop thread can never resume (loop-blocked), and long waits."""

from __future__ import annotations

from collections.abc import Callable

from aiodeadlock.detectors.threadchain import actor_report, edges_and_holds
from aiodeadlock.model.findings import (
    LONG_WAIT,
    LOOP_BLOCKED,
    LOOP_BUSY,
    Edge,
    Finding,
    Hold,
    Resource,
    TaskReport,
)
from aiodeadlock.model.threads import Actor, BusyPoll, ThreadWait


def loop_blocked(
    loop_thread: int,
    lookup: Callable[[int], ThreadWait | None],
    blocked_for: float,
    threshold: float,
) -> Finding | None:
    """The loop-blocked finding for the loop run by `loop_thread`, or None.

    Definite when the waits form a chain that leads back to the loop's own thread:
    everything it waits for needs the loop to run first. With a timeout somewhere in the
    chain the finding is potential: the wait is certain to time out, it does not hang.
    A thread that is merely busy (no known blocking call) ends the chain: no finding.
    """
    if blocked_for < threshold:
        return None
    chain: list[ThreadWait] = []
    seen: set[int] = set()
    thread: int | None = loop_thread
    while thread is not None:
        if thread in seen:
            return None  # a cycle that does not pass through this loop: not ours to report
        wait = lookup(thread)
        if wait is None:
            return None
        chain.append(wait)
        seen.add(thread)
        thread = wait.next_thread
        if thread == loop_thread:
            return _explain(chain, blocked_for)
    return None


def loop_busy(poll: BusyPoll, busy_for: float, threshold: float) -> Finding | None:
    """The potential loop-busy finding for a loop thread that has run one callback for
    `busy_for` seconds while polling something only that loop can deliver."""
    if busy_for < threshold:
        return None
    waiter = poll.waiter
    label = poll.polled.label()
    where = f" at {poll.at.short()}" if poll.at is not None else ""
    message = (
        f"{waiter.title()} has kept the event loop's thread for {busy_for:.1f}s{where}, "
        f"polling {label} with {poll.call}: only this loop can deliver it, and the loop "
        "never gets its thread back"
    )
    task = TaskReport(
        key=waiter.key,
        name=waiter.name,
        state="running",
        waits_for=poll.polled.key,
        waits_at=poll.at,
        stack=waiter.stack,
        actor="task" if waiter.is_task else "thread",
    )
    edge = Edge(waiter.key, poll.polled.key, poll.at, None, None)
    notes = (
        "fix: await it (`await fut`, `await event.wait()`), or yield with "
        "`await asyncio.sleep(0)` between polls",
    )
    return Finding(LOOP_BUSY, message, poll.at, (edge,), (task,), (poll.polled,), notes)


def _explain(chain: list[ThreadWait], blocked_for: float) -> Finding:
    first = chain[0]
    edges, holds = edges_and_holds(chain)
    reports: dict[str, TaskReport] = {}
    for wait in chain:
        reports[wait.waiter.key] = actor_report(wait.waiter, "blocked", holds, wait)
    for wait in chain:
        holder = wait.holder
        if holder is not None and holder.key not in reports:
            reports[holder.key] = actor_report(holder, "waiting", holds)
    resources = tuple({w.resource.key: w.resource for w in chain}.values())
    timed = [w for w in chain if w.timeout is not None]
    where = f" at {first.at.short()}" if first.at is not None else ""
    message = (
        f"{first.waiter.title()} blocks the event loop's thread{where} in {first.call} "
        f"on {first.resource.label()}: {first.why}"
    )
    for w in chain[1:]:
        where = f" at {w.at.short()}" if w.at is not None else ""
        message += f"; {w.waiter.title()} is blocked{where} in {w.call}: {w.why}"
    notes = (
        f"blocked for {blocked_for:.1f}s; the loop can never run again, so nothing it "
        "would deliver ever arrives",
    )
    if timed:
        notes = (
            f"blocked for {blocked_for:.1f}s; nothing it waits for can happen before the "
            f"wait at {_where(timed[0])} times out (timeout={timed[0].timeout:g}s): "
            "certain to fail, but not a hang",
        )
    return Finding(
        LOOP_BLOCKED,
        message,
        first.at,
        tuple(edges),
        tuple(reports.values()),
        resources,
        notes,
        potential=bool(timed),
    )


def _where(wait: ThreadWait) -> str:
    return wait.at.short() if wait.at is not None else wait.call


def long_wait(
    task: Actor,
    resource: Resource,
    waited: float,
    threshold: float,
    holders: tuple[Actor, ...] = (),
    others: int = 0,
) -> Finding | None:
    """A potential finding when `task` has waited on `resource` for `threshold` seconds or more.

    `holders`: the tasks holding the resource (their `waits_at` is where they took it).
    `others`: how many more tasks have waited on it that long. A long wait is never proof
    of a deadlock.
    """
    if waited < threshold:
        return None
    where = f" at {task.waits_at.short()}" if task.waits_at is not None else ""
    message = f"Task {task.name!r} has waited{where} for {resource.label()} for {waited:.1f}s"
    if resource.detail:
        message += f" [{resource.detail}]"
    if holders:
        message += ", held by " + ", ".join(f"task {h.name!r}" for h in holders)
    if others:
        message += f" ({others} more task{'s' if others > 1 else ''} waited as long on it)"
    reports = [
        TaskReport(
            key=task.key,
            name=task.name,
            state="waiting",
            waits_for=resource.key,
            waits_at=task.waits_at,
            stack=task.stack,
        )
    ]
    reports += [
        TaskReport(
            key=h.key,
            name=h.name,
            state="waiting",
            holds=(Hold(resource.key, h.waits_at),),
            stack=h.stack,
        )
        for h in holders
        if h.key != task.key
    ]
    edges = tuple(Edge(task.key, resource.key, task.waits_at, h.key, h.waits_at) for h in holders)
    if not edges:
        edges = (Edge(task.key, resource.key, task.waits_at, None, None),)
    return Finding(
        LONG_WAIT,
        message,
        task.waits_at,
        edges,
        tuple(reports),
        (resource,),
        (f"waiting longer than the long-wait threshold of {threshold:g}s",),
        potential=True,
    )

"""Turn a proven deadlock into a finding a person can read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from aiodeadlock.detectors.deadlock import Deadlock, Step, cycle_members
from aiodeadlock.model.findings import (
    ORPHANED_LOCK,
    SELF_DEADLOCK,
    Edge,
    Finding,
    Hold,
    Resource,
    TaskReport,
)
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import TaskNode


def _since(loc: Location | None) -> str:
    return f"acquired at {loc.short()}" if loc is not None else "acquire site unknown"


def _how(node: TaskNode) -> str:
    if node.ended == "raised":
        return f"raised {node.exception}" if node.exception else "raised an exception"
    if node.ended == "cancelled":
        return "was cancelled"
    if node.ended == "destroyed":
        return "was destroyed while still pending"
    return "returned"


def _told_apart(resources: list[Resource]) -> tuple[Resource, ...]:
    """Distinct resources whose labels read the same get "#1", "#2"... in their detail."""
    unique = list({r.key: r for r in resources}.values())
    by_label: dict[str, list[Resource]] = {}
    for r in unique:
        by_label.setdefault(r.label(), []).append(r)
    out = []
    for r in unique:
        twins = by_label[r.label()]
        if len(twins) > 1:
            mark = f"#{twins.index(r) + 1}"
            r = replace(r, detail=f"{mark}, {r.detail}" if r.detail else mark)
        out.append(r)
    return tuple(out)


def hold_and_wait(label: str, holders: Sequence[tuple[str, Location | None]]) -> str:
    """The message of a pool whose every unit is held by a task waiting for another one."""
    names = ", ".join(
        f"{name!r} (took one at {since.short()})" if since is not None else repr(name)
        for name, since in holders
    )
    return (
        f"hold-and-wait on {label}: every unit is held by a task that waits for another "
        f"unit of it: {names}"
    )


def _pool(deadlock: Deadlock, members: Sequence[str]) -> str | None:
    """A semaphore whose every permit is held by a task of the cycle waiting for another."""
    steps = [s for s in deadlock.steps if s.task.key in members]
    if not steps or len({s.resource.key for s in steps}) != 1:
        return None
    res = steps[0].resource
    holders = {h.task for h in res.holders}
    if "Semaphore" not in res.type or not holders <= set(members) or len(holders) < 2:
        return None
    names = {s.task.key: s.task.name for s in steps}
    return hold_and_wait(res.to_resource().label(), [(names[h.task], h.since) for h in res.holders])


def explain(
    deadlock: Deadlock,
    ends: Mapping[str, Location] | None = None,
    collateral: Sequence[Step] = (),
) -> Finding:
    """Build the finding for `deadlock` (its first step is the wait that closed it).

    `ends`: where tasks that ended did so (by task key), when known; `collateral`: the
    waits of other tasks on resources the deadlock's tasks hold (they wait forever too).
    """
    first = deadlock.steps[0]
    edges: list[Edge] = []
    holds: dict[str, list[Hold]] = {}
    order: list[TaskNode] = []
    inside = {s.task.key for s in deadlock.steps}
    extra = [s for s in collateral if s.task.key not in inside]
    for step in (*deadlock.steps, *extra):
        order.append(step.task)
        for h in step.holders:
            edges.append(
                Edge(
                    step.task.key,
                    step.resource.key,
                    step.task.waits.at if step.task.waits else None,
                    h.task,
                    h.since,
                )
            )
            hold = Hold(step.resource.key, h.since, h.released_by, h.released_at)
            if hold not in holds.setdefault(h.task, []):
                holds[h.task].append(hold)
    order += [n for n in deadlock.ended if n not in order]
    tasks = tuple(
        TaskReport(
            key=n.key,
            name=n.name,
            state="ended" if n.ended else "waiting",
            waits_for=n.waits.resource if n.waits and not n.ended else None,
            waits_at=n.waits.at if n.waits and not n.ended else None,
            holds=tuple(holds.get(n.key, ())),
            stack=n.stack,
            ended=n.ended,
            exception=n.exception,
            ended_at=(ends or {}).get(n.key) if n.ended else None,
        )
        for n in order
    )
    resources = _told_apart([s.resource.to_resource() for s in (*deadlock.steps, *extra)])
    label = first.resource.to_resource().label()
    who = f"Task {first.task.name!r}"
    closing = first  # the step whose wait the finding's location is
    if deadlock.kind is SELF_DEADLOCK:
        since = first.holders[0].since if first.holders else None
        message = f"{who} waits for {label}, which it holds itself ({_since(since)})"
    elif deadlock.kind is ORPHANED_LOCK:
        dead = deadlock.ended[0]
        # Name the task that waits for the orphaned lock (the search may have started from
        # a task that only waits on that one, e.g. through gather()).
        waiting = next(
            (s for s in deadlock.steps if any(h.task == dead.key for h in s.holders)), first
        )
        since = next((h.since for h in waiting.holders if h.task == dead.key), None)
        closing = waiting
        message = (
            f"Task {waiting.task.name!r} waits for {waiting.resource.to_resource().label()}, "
            f"held by task {dead.name!r}, "
            f"which {_how(dead)} without releasing it ({_since(since)})"
        )
    members = cycle_members(deadlock)
    notes: tuple[str, ...] = ()
    if deadlock.kind is not ORPHANED_LOCK and members and first.task.key not in members:
        closing = next(s for s in deadlock.steps if s.task.key == members[0])
    if deadlock.kind is not SELF_DEADLOCK and deadlock.kind is not ORPHANED_LOCK:
        names = {s.task.key: s.task.name for s in deadlock.steps}
        cycle = [names[k] for k in members] or [s.task.name for s in deadlock.steps]
        message = f"{len(cycle)} tasks wait for each other in a cycle: " + " -> ".join(
            repr(n) for n in [*cycle, cycle[0]]
        )
        message = _pool(deadlock, members) or message
        outside = [s.task.name for s in (*deadlock.steps, *extra) if s.task.key not in members]
        if members and outside:
            notes = ("also stuck, waiting on the cycle: " + ", ".join(map(repr, outside)),)
    if deadlock.kind is ORPHANED_LOCK or deadlock.kind is SELF_DEADLOCK:
        also = [s.task.name for s in extra]
        if also:
            notes = (*notes, "also waiting on it: " + ", ".join(map(repr, also)))
    return Finding(
        deadlock.kind,
        message,
        closing.task.waits.at if closing.task.waits else None,
        tuple(edges),
        tasks,
        resources,
        notes=notes,
        members=tuple(members),
    )

"""Is a waiting task stuck forever? Search the wait-for graph from it."""

from __future__ import annotations

from dataclasses import dataclass

from aiodeadlock.model.findings import ORPHANED_LOCK, SELF_DEADLOCK, WAIT_CYCLE, Kind
from aiodeadlock.model.waitgraph import ALL, GraphView, HoldNode, ResourceNode, TaskNode


@dataclass(frozen=True)
class Step:
    """`task` waits on `resource`, which `holders` hold (the ones that explain the deadlock)."""

    task: TaskNode
    resource: ResourceNode
    holders: tuple[HoldNode, ...]


@dataclass(frozen=True)
class Deadlock:
    """A proof that `steps[0].task` can never run again."""

    kind: Kind
    steps: tuple[Step, ...]
    ended: tuple[TaskNode, ...]  # holders that already finished (orphaned resources)


def find_deadlock(graph: GraphView, start: str, orphans: bool = True) -> Deadlock | None:
    """Return why task `start` waits forever, or None if something may still wake it.

    A task is stuck when it waits on an exclusive resource whose release depends only
    on stuck or finished tasks: for ANY resources (locks, permits) every holder must be
    stuck or finished; for ALL resources (gather, TaskGroup) one is enough. This is the
    greatest fixpoint over the part of the graph reachable from `start`: assume every
    waiting task is stuck, then drop those that some live, unstuck task could wake.

    With `orphans` False, a resource held by a finished task is not taken as lost:
    asyncio lets any task release a lock, so that verdict needs more evidence (a
    loop that can no longer run anything, or a wait that has lasted a while).
    """
    tasks: dict[str, TaskNode] = {}
    waits: dict[str, ResourceNode] = {}
    todo = [start]
    while todo:
        key = todo.pop()
        if key in tasks:
            continue
        node = tasks[key] = graph.task(key)
        if node.ended is None and node.waits is not None:
            res = graph.resource(node.waits.resource)
            if res.exclusive and res.holders:
                waits[key] = res
                todo.extend(h.task for h in res.holders)
    if start not in waits:
        return None

    stuck = set(waits)

    def gone(key: str) -> bool:
        return key in stuck or (orphans and tasks[key].ended is not None)

    def held(key: str) -> bool:
        """Do `key`'s holders still keep it waiting, given what is stuck now?"""
        res = waits[key]
        if res.mode == ALL:  # finished holders are done, not stuck
            return any(h.task in stuck for h in res.holders)
        return all(gone(h.task) for h in res.holders)

    # Drop the waits some live, unstuck holder can end; each drop may free its waiters, so
    # only those are looked at again (a long chain is undone in one pass, not one per link).
    waiters: dict[str, list[str]] = {}
    for key, res in waits.items():
        for h in res.holders:
            waiters.setdefault(h.task, []).append(key)
    todo = list(stuck)
    while todo:
        key = todo.pop()
        if key in stuck and not held(key):
            stuck.discard(key)
            todo.extend(waiters.get(key, ()))
    if start not in stuck:
        return None

    steps: dict[str, Step] = {}
    for key in stuck:
        res = waits[key]
        if res.mode == ALL:
            chosen: tuple[HoldNode, ...] = (next(h for h in res.holders if h.task in stuck),)
        else:
            chosen = res.holders
        steps[key] = Step(tasks[key], res, chosen)
    ordered = _walk(start, steps)
    ended = {h.task: tasks[h.task] for s in ordered for h in s.holders if tasks[h.task].ended}
    if ended:
        kind = ORPHANED_LOCK
    elif len(ordered) == 1 and all(h.task == start for h in ordered[0].holders):
        kind = SELF_DEADLOCK
    else:
        kind = WAIT_CYCLE
    return Deadlock(kind, tuple(ordered), tuple(ended.values()))


def _walk(start: str, steps: dict[str, Step]) -> list[Step]:
    """The steps reachable from `start`, in the order a reader follows them."""
    ordered: list[Step] = []
    seen: set[str] = set()
    todo = [start]
    while todo:
        key = todo.pop(0)
        if key in seen or key not in steps:
            continue
        seen.add(key)
        step = steps[key]
        ordered.append(step)
        todo.extend(h.task for h in step.holders)
    return ordered


def cycle_members(deadlock: Deadlock) -> list[str]:
    """Keys of the tasks on a cycle (each can reach itself), in the order the cycle runs.

    Tasks that only wait on the cycle from outside (a parent awaiting it) are left out.
    """
    succ = {s.task.key: [h.task for h in s.holders] for s in deadlock.steps}

    def reaches(start: str, goal: str) -> bool:
        seen: set[str] = set()
        todo = list(succ.get(start, ()))
        while todo:
            key = todo.pop()
            if key == goal:
                return True
            if key not in seen:
                seen.add(key)
                todo.extend(succ.get(key, ()))
        return False

    on_cycle = {k for k in succ if reaches(k, k)}
    if not on_cycle:
        return []
    start = next(s.task.key for s in deadlock.steps if s.task.key in on_cycle)
    ordered = [start]
    while True:
        nxt = next((h for h in succ[ordered[-1]] if h in on_cycle), None)
        if nxt is None or nxt == start or nxt in ordered:
            break
        ordered.append(nxt)
    return ordered

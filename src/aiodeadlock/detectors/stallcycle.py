"""Stalls that are cycles: through what only stuck tasks would set or fill, or a pool's units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from aiodeadlock.detectors.deadlock import Deadlock, Step, cycle_members, find_deadlock
from aiodeadlock.detectors.explain import explain, hold_and_wait
from aiodeadlock.model.findings import Edge, Finding
from aiodeadlock.model.waitgraph import ANY, GraphView, ResourceNode, TaskNode, WakeSet

#: The relation of a wake edge (see Edge.relation).
WAKES = "wakes"
#: Other stalled tasks waiting on the cycle that a finding names, at most.
COLLATERAL_LIMIT = 20


class WakeGraph:
    """A wait-for graph in which a wait on a resource that tasks set or fill is held by the
    tasks that could do it (its wakers) and, for a pool, by the tasks holding its units."""

    def __init__(self, graph: GraphView, wakes: Mapping[str, WakeSet]) -> None:
        self.graph = graph
        self.wakes = wakes
        self._resources: dict[str, ResourceNode] = {}

    def task(self, key: str) -> TaskNode:
        return self.graph.task(key)

    def resource(self, key: str) -> ResourceNode:
        node = self._resources.get(key)
        if node is None:
            node = self.graph.resource(key)
            wake = self.wakes.get(key)
            if wake is not None and (wake.wakers or wake.units):
                node = replace(
                    node,
                    holders=wake.units + wake.wakers,
                    mode=ANY,
                    exclusive=True,
                    detail=node.detail or ("empty" if wake.units else None),
                )
            self._resources[key] = node
        return node


@dataclass(frozen=True)
class StallCycle:
    """A cycle through wake edges found in a stalled loop; `proven` when the wakers of
    every wait it passes through are known exactly (else it only names them)."""

    deadlock: Deadlock
    proven: bool
    finding: Finding


def find_stall_cycle(
    graph: GraphView, nodes: Sequence[TaskNode], wakes: Mapping[str, WakeSet]
) -> StallCycle | None:
    """A cycle among the stalled `nodes` that passes through at least one wake edge or
    pool, with its finding (a wait-cycle, whose wake edges say who would set what)."""
    if not any(w.wakers or w.units for w in wakes.values()):
        return None
    view = WakeGraph(graph, wakes)
    first: StallCycle | None = None
    for node in nodes:
        if node.waits is None or node.waits.resource not in wakes:
            continue
        deadlock = find_deadlock(view, node.key)
        if deadlock is None or not cycle_members(deadlock):
            continue
        through = {s.resource.key for s in deadlock.steps if s.resource.key in wakes}
        if not through:
            continue
        proven = all(wakes[k].exact for k in through)
        finding = with_wake_edges(
            explain(deadlock, None, _collateral(view, nodes, deadlock)), wakes
        )
        pool = _pool(finding, wakes)
        if pool is not None:
            message, holders = pool
            finding = replace(finding, message=message, members=holders, notes=())
        if proven:
            return StallCycle(deadlock, proven, finding)
        first = first or StallCycle(deadlock, proven, finding)
    return first


def _collateral(view: WakeGraph, nodes: Sequence[TaskNode], deadlock: Deadlock) -> list[Step]:
    """The other stalled tasks that wait on what the deadlock's tasks hold or would set
    (a parent awaiting them through gather...), each where it waits."""
    inside = {s.task.key for s in deadlock.steps}
    steps: list[Step] = []
    for node in nodes:
        if len(steps) >= COLLATERAL_LIMIT:
            break
        if node.key in inside or node.waits is None:
            continue
        res = view.resource(node.waits.resource)
        mine = tuple(h for h in res.holders if h.task in inside)
        if mine and res.exclusive:
            steps.append(Step(node, res, mine))
    return steps


def with_wake_edges(finding: Finding, wakes: Mapping[str, WakeSet]) -> Finding:
    """The finding with its edges to wakers marked as wake edges."""
    edges = []
    for e in finding.edges:
        wake = wakes.get(e.resource)
        if wake is not None and any(h.task == e.holder for h in wake.wakers):
            e = replace(e, relation=WAKES)
        edges.append(e)
    tasks = []
    for t in finding.tasks:  # a waker does not hold what it would set
        woken = {e.resource for e in edges if e.holder == t.key and e.relation == WAKES}
        held = {e.resource for e in edges if e.holder == t.key and e.relation != WAKES}
        tasks.append(replace(t, holds=tuple(h for h in t.holds if h.resource not in woken - held)))
    return replace(finding, edges=tuple(edges), tasks=tuple(tasks))


def wake_edges(nodes: Sequence[TaskNode], wakes: Mapping[str, WakeSet]) -> list[Edge]:
    """The wake edges of a stall: each waiter to each task that could wake it."""
    edges = []
    for node in nodes:
        wake = wakes.get(node.waits.resource) if node.waits else None
        if wake is None or node.waits is None:
            continue
        for h in wake.units:
            edges.append(Edge(node.key, node.waits.resource, node.waits.at, h.task, h.since))
        for h in wake.wakers:
            edges.append(Edge(node.key, node.waits.resource, node.waits.at, h.task, h.since, WAKES))
    return edges


def _pool(finding: Finding, wakes: Mapping[str, WakeSet]) -> tuple[str, tuple[str, ...]] | None:
    """For a pool whose every unit is held by a task that waits for another unit of it:
    the message, and the holders (the cycle)."""
    for rkey in dict.fromkeys(e.resource for e in finding.edges):
        res = finding.resource(rkey)
        wake = wakes.get(rkey)
        if res is None or wake is None or not wake.units:
            continue
        waiting = {e.waiter for e in finding.edges if e.resource == rkey}
        if all(u.task in waiting for u in wake.units):
            holders = [(_name(finding, u.task), u.since) for u in wake.units]
            label = replace(res, type="Queue", detail=None).label()  # (not "Queue.get")
            return hold_and_wait(label, holders), tuple(u.task for u in wake.units)
    return None


def _name(finding: Finding, key: str) -> str:
    task = finding.task(key)
    return task.name if task is not None else key


def unproven_note(cycle: StallCycle) -> str:
    """Said of a cycle through wake edges whose wakers are not known for certain."""
    names = {s.task.key: s.task.name for s in cycle.deadlock.steps}
    members = cycle.finding.members
    path = " -> ".join(repr(names.get(k, k)) for k in [*members, members[0]])
    return (
        f"likely a cycle through what these tasks would set or fill: {path} (not claimed: "
        "other code might set it too, as it is reachable from a global or an object no "
        "task holds, or a call's receiver could not be read)"
    )

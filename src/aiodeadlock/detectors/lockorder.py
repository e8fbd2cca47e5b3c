"""Lock-order graph (lockdep for asyncio): which lock classes are taken while holding which.

A lock class is where the lock was created; two paths that take two classes in
opposite orders can deadlock even if this run did not. Locks of one class taken
inside each other are compared per instance instead, so a stable order among
instances of one class is not reported. Edges are kept once per pair of classes
(with a count), so memory stays flat however many locks a program creates.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

from aiodeadlock.model.findings import LOCK_ORDER, Edge, Finding, Hold, Resource, TaskReport
from aiodeadlock.model.lockorder import OrderEdge

#: Instance-level edges (same-class nesting) kept at most.
MAX_INSTANCE_EDGES = 10_000


@dataclass
class OrderGraph:
    """The lock-order graph and the inversions already reported."""

    edges: dict[tuple[Hashable, Hashable], OrderEdge] = field(default_factory=dict)
    succ: dict[Hashable, set[Hashable]] = field(default_factory=dict)
    reported: set[frozenset[tuple[Hashable, Hashable]]] = field(default_factory=set)
    instance_edges: int = 0

    def known(self, held: Hashable, taken: Hashable) -> OrderEdge | None:
        return self.edges.get((held, taken))

    def add(self, edge: OrderEdge, instance: bool = False) -> list[OrderEdge] | None:
        """Add an edge; return the cycle it closes if that cycle is new and not gated."""
        key = (edge.held, edge.taken)
        old = self.edges.get(key)
        if old is not None:
            old.count += 1
            old.gates = old.gates & edge.gates
            return None
        if instance:
            if self.instance_edges >= MAX_INSTANCE_EDGES:
                return None
            self.instance_edges += 1
        self.edges[key] = edge
        self.succ.setdefault(edge.held, set()).add(edge.taken)
        path = self._path(edge.taken, edge.held)
        if path is None:
            return None
        cycle = [edge] + [self.edges[(a, b)] for a, b in itertools.pairwise(path)]
        ident = frozenset((e.held, e.taken) for e in cycle)
        if ident in self.reported:
            return None
        common = frozenset.intersection(*(e.gates for e in cycle))
        if common:  # every path ran under one outer lock: they cannot interleave
            return None
        self.reported.add(ident)
        return cycle

    def forget_instance(self, keys: list[tuple[Hashable, Hashable]]) -> None:
        for key in keys:
            if self.edges.pop(key, None) is not None:
                self.instance_edges -= 1
                succ = self.succ.get(key[0])
                if succ is not None:
                    succ.discard(key[1])
                    if not succ:
                        del self.succ[key[0]]

    def _path(self, start: Hashable, goal: Hashable) -> list[Hashable] | None:
        """A path start -> ... -> goal in the graph, as a list of nodes."""
        if start == goal:
            return [start]
        parent: dict[Hashable, Hashable] = {start: start}
        todo = [start]
        while todo:
            node = todo.pop()
            for nxt in self.succ.get(node, ()):
                if nxt in parent:
                    continue
                parent[nxt] = node
                if nxt == goal:
                    path = [goal]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return path[::-1]
                todo.append(nxt)
        return None


class LockOrder:
    """The lock-order graph of one detector and the cycles found in it so far."""

    def __init__(self) -> None:
        self.graph = OrderGraph()
        self.cycles: list[list[OrderEdge]] = []
        self._lock = threading.Lock()

    def add(
        self,
        edge: OrderEdge,
        instance: bool,
        alive: Callable[[list[tuple[Hashable, Hashable]]], bool],
    ) -> bool:
        """Add a new edge; return whether it was kept. A cycle it closes is kept if the
        locks of its instance edges still exist (`alive`)."""
        graph = self.graph
        before = len(graph.edges)
        cycle = graph.add(edge, instance=instance)
        kept = len(graph.edges) > before
        if cycle is None:
            return kept
        if instance and not alive([(e.held, e.taken) for e in cycle]):
            return kept
        relabel(cycle)
        with self._lock:
            self.cycles.append(cycle)
        return kept

    def findings(self) -> list[Finding]:
        """One potential-deadlock finding per cycle seen so far (with current counts)."""
        with self._lock:
            return [explain_inversion(c) for c in self.cycles]


def relabel(cycle: list[OrderEdge]) -> None:
    """Give the same lock the same key everywhere in one cycle's report."""
    keys: dict[Hashable, str] = {}
    instances = [n for e in cycle for n in (e.held, e.taken) if isinstance(n, int) and n < 0]
    numbers = {n: i for i, n in enumerate(dict.fromkeys(instances), 1)}
    for e in cycle:
        for node, attr in ((e.held, "held_label"), (e.taken, "taken_label")):
            key = keys.setdefault(node, f"L{len(keys) + 1}")
            label: Resource = getattr(e, attr)
            detail = f"instance {numbers[node]}" if node in numbers else None
            setattr(e, attr, Resource(key, label.type, label.name, label.created_at, detail))


def explain_inversion(cycle: list[OrderEdge]) -> Finding:
    """The potential-deadlock finding for a lock-order cycle (each edge, both sites)."""
    resources: dict[str, Resource] = {}
    tasks: list[TaskReport] = []
    edges: list[Edge] = []
    for i, e in enumerate(cycle, 1):
        resources.setdefault(e.held_label.key, e.held_label)
        resources.setdefault(e.taken_label.key, e.taken_label)
        tkey = f"P{i}"
        tasks.append(
            TaskReport(
                key=tkey,
                name=e.task,
                state="path",
                waits_for=e.taken_label.key,
                waits_at=e.taken_at,
                holds=(Hold(e.held_label.key, e.held_at),),
            )
        )
        edges.append(Edge(tkey, e.taken_label.key, e.taken_at, None, e.held_at))
    names = " and ".join(
        e.held_label.label() + (f" [{e.held_label.detail}]" if e.held_label.detail else "")
        for e in cycle
    )
    seen = ", ".join(f"path {i} seen {e.count}x" for i, e in enumerate(cycle, 1))
    message = (
        f"{names} are taken in opposite orders on different paths; "
        f"run concurrently they can deadlock ({seen})"
    )
    first = cycle[0]
    return Finding(
        LOCK_ORDER, message, first.taken_at, tuple(edges), tuple(tasks), tuple(resources.values())
    )

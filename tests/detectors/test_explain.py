"""explain(): a proven deadlock becomes a finding whose message, edges and tasks read right."""

from __future__ import annotations

import pytest

from aiodeadlock.detectors.deadlock import find_deadlock
from aiodeadlock.detectors.explain import explain
from aiodeadlock.model.findings import Finding
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import ALL, HoldNode, ResourceNode, TaskNode, WaitNode

FILE = "/srv/app.py"


class Graph:
    """A GraphView over dicts, built with short helper calls."""

    def __init__(self) -> None:
        self.tasks: dict[str, TaskNode] = {}
        self.resources: dict[str, ResourceNode] = {}

    def task(self, key: str) -> TaskNode:
        return self.tasks[key]

    def resource(self, key: str) -> ResourceNode:
        return self.resources[key]

    def waiting(self, key: str, on: str, line: int) -> None:
        where = Location(FILE, line, "work")
        self.tasks[key] = TaskNode(key, key.lower(), WaitNode(on, where), stack=(where,))

    def ended(self, key: str, how: str, exception: str | None = None) -> None:
        self.tasks[key] = TaskNode(key, key.lower(), None, ended=how, exception=exception)

    def lock(self, key: str, holder: str, since: int, mode: str = "any") -> None:
        hold = HoldNode(holder, Location(FILE, since, "work"))
        self.resources[key] = ResourceNode(
            key, "Lock", (hold,), mode=mode, name=key.lower(), created_at=Location(FILE, 1)
        )


def explained(g: Graph, start: str) -> Finding:
    found = find_deadlock(g, start)
    assert found is not None
    return explain(found)


def test_self_deadlock_message_names_both_sites() -> None:
    g = Graph()
    g.waiting("T", "L", line=9)
    g.lock("L", "T", since=7)
    f = explained(g, "T")
    assert f.kind.name == "self-deadlock"
    assert "holds itself" in f.message
    assert "app.py:7" in f.message
    assert f.location == Location(FILE, 9, "work")
    assert [(e.waiter, e.holder) for e in f.edges] == [("T", "T")]
    assert f.lines() == [9, 7]


def test_cycle_has_one_edge_per_wait() -> None:
    g = Graph()
    g.waiting("A", "LB", line=10)
    g.waiting("B", "LA", line=20)
    g.lock("LA", "A", since=8)
    g.lock("LB", "B", since=18)
    f = explained(g, "A")
    assert f.kind.name == "wait-cycle"
    assert [(e.waiter, e.resource, e.holder) for e in f.edges] == [
        ("A", "LB", "B"),
        ("B", "LA", "A"),
    ]
    assert {t.key: [h.resource for h in t.holds] for t in f.tasks} == {"A": ["LA"], "B": ["LB"]}
    assert "'a' -> 'b' -> 'a'" in f.message
    assert {8, 10, 18, 20} <= set(f.lines())


def test_orphan_message_names_the_dead_task_and_how_it_ended() -> None:
    g = Graph()
    g.waiting("W", "L", line=18)
    g.ended("D", "raised", "ValueError('boom')")
    g.lock("L", "D", since=7)
    f = explained(g, "W")
    assert f.kind.name == "orphaned-lock"
    assert "'d'" in f.message and "ValueError('boom')" in f.message
    dead = f.task("D")
    assert dead is not None and dead.state == "ended" and dead.ended == "raised"
    assert dead.waits_for is None
    assert f.resource("L") is not None


@pytest.mark.parametrize("outside", ["lock", "gather"])
def test_waiter_outside_the_cycle_is_not_called_part_of_it(outside: str) -> None:
    g = Graph()
    g.waiting("A", "LB", line=10)
    g.waiting("B", "LA", line=20)
    g.lock("LA", "A", since=8)
    g.lock("LB", "B", since=18)
    g.waiting("MAIN", "X", line=30)
    if outside == "lock":
        g.lock("X", "A", since=8)
    else:
        g.resources["X"] = ResourceNode(
            "X", "gather", (HoldNode("A", None), HoldNode("B", None)), mode=ALL
        )
    f = explained(g, "MAIN")
    assert "3 tasks wait for each other" not in f.message
    assert "'a'" in f.message and "'b'" in f.message
    assert "-> 'main'" not in f.message and "'main' ->" not in f.message

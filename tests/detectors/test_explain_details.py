"""explain() with the lines a fix needs: where ended owners ended, and collateral waiters."""

from __future__ import annotations

from handbuilt_graphs import NodeGraph as Graph

from aiodeadlock.detectors.deadlock import Step, find_deadlock
from aiodeadlock.detectors.explain import explain
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import HoldNode, ResourceNode, TaskNode, WaitNode
from aiodeadlock.report.text import render_finding

FILE = "/srv/app.py"


def at(line: int) -> Location:
    return Location(FILE, line, "work")


def lock(key: str, holder: str, since: int, created: int) -> ResourceNode:
    return ResourceNode(
        key, "Lock", (HoldNode(holder, at(since)),), name=key, created_at=at(created)
    )


def test_cycle_with_a_collateral_waiter() -> None:
    a = TaskNode("A", "a", WaitNode("L2", at(10)))
    b = TaskNode("B", "b", WaitNode("L1", at(20)))
    c = TaskNode("C", "c", WaitNode("L1", at(30)), stack=(at(29), at(30)))
    l1, l2 = lock("L1", "A", 9, 1), lock("L2", "B", 19, 2)
    deadlock = find_deadlock(Graph([a, b, c], [l1, l2]), "A")
    assert deadlock is not None
    finding = explain(deadlock, collateral=[Step(c, l1, l1.holders)])
    assert finding.members == ("A", "B")
    assert {1, 2, 9, 10, 19, 20, 30}.issubset(
        {loc.line for loc in [*(r.created_at for r in finding.resources if r.created_at)]}
        | set(finding.lines())
    )
    assert finding.notes == ("also stuck, waiting on the cycle: 'c'",)
    assert any(e.waiter == "C" and e.wait_at == at(30) for e in finding.edges)
    # a collateral task already in the deadlock is not added twice
    again = explain(deadlock, collateral=[Step(b, l1, l1.holders)])
    assert [t.key for t in again.tasks].count("B") == 1


def test_where_an_owner_ended() -> None:
    dead = TaskNode("D", "owner", ended="raised", exception="ValueError('x')")
    waiter = TaskNode("W", "reader", WaitNode("L1", at(13)))
    graph = Graph([dead, waiter], [lock("L1", "D", 7, 3)])
    deadlock = find_deadlock(graph, "W")
    assert deadlock is not None
    finding = explain(deadlock, ends={"D": at(8)})
    owner = finding.task("D")
    assert owner is not None and owner.ended_at == at(8)
    assert 8 in finding.lines()
    text = render_finding(finding)
    assert "Task 'owner' has ended (raised: ValueError('x')) at /srv/app.py:8." in text


def test_one_line_for_a_wait_on_several_tasks() -> None:
    gather = ResourceNode("G", "gather", (HoldNode("A", None), HoldNode("B", None)), mode="all")
    main = TaskNode("M", "main", WaitNode("G", at(40)))
    a = TaskNode("A", "a", WaitNode("L2", at(10)))
    b = TaskNode("B", "b", WaitNode("L1", at(20)))
    graph = Graph([main, a, b], [gather, lock("L1", "A", 9, 1), lock("L2", "B", 19, 2)])
    deadlock = find_deadlock(graph, "M")
    assert deadlock is not None
    text = render_finding(explain(deadlock))
    assert text.count("Task 'main' waits") == 1, text

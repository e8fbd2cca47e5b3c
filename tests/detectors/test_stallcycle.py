"""Stalls that are cycles through wake edges (an Event only a stuck task would set) or pools
whose units are all held by tasks that wait for another, on hand-built graphs."""

from __future__ import annotations

from handbuilt_graphs import NodeGraph as Graph

from aiodeadlock.detectors.stall import explain_stall
from aiodeadlock.detectors.stallcycle import find_stall_cycle, unproven_note
from aiodeadlock.model.findings import WAIT_CYCLE
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import HoldNode, ResourceNode, TaskNode, WaitNode, WakeSet

FILE = "app.py"


def at(line: int) -> Location:
    return Location(FILE, line, "f")


def waits(key: str, resource: str | None, line: int) -> TaskNode:
    wait = WaitNode(resource, at(line)) if resource else None
    return TaskNode(key, f"task-{key}", wait, stack=(at(line),))


EVENT = ResourceNode("E", "Event", (), exclusive=False, name="ready")
LOCK = ResourceNode("L", "Lock", (HoldNode("A", at(14)),), name="lock")


def lock_and_event(exact: bool) -> tuple[Graph, list[TaskNode], dict[str, WakeSet]]:
    nodes = [waits("A", "E", 16), waits("B", "L", 8)]
    wakes = {"E": WakeSet((HoldNode("B", at(9)),), exact, "set")}
    return Graph(nodes, [EVENT, LOCK]), nodes, wakes


def test_an_event_only_a_task_blocked_on_my_lock_would_set_is_a_wait_cycle() -> None:
    graph, nodes, wakes = lock_and_event(exact=True)
    found = find_stall_cycle(graph, nodes, wakes)
    assert found is not None and found.proven
    finding = found.finding
    assert finding.kind is WAIT_CYCLE and set(finding.members) == {"A", "B"}
    by_resource = {e.resource: e for e in finding.edges}
    assert by_resource["E"].relation == "wakes"
    assert (by_resource["E"].holder, by_resource["E"].since) == ("B", at(9))
    assert (by_resource["L"].relation, by_resource["L"].since) == ("holds", at(14))
    waker = finding.task("B")
    assert waker is not None and waker.holds == ()  # a waker holds nothing it would set
    assert {9, 14, 16, 8} <= set(finding.lines())


def test_wakers_that_are_a_guess_give_no_proven_cycle() -> None:
    graph, nodes, wakes = lock_and_event(exact=False)
    found = find_stall_cycle(graph, nodes, wakes)
    assert found is not None and not found.proven
    assert "'task-A' -> 'task-B' -> 'task-A'" in unproven_note(found)


def test_a_waker_not_stuck_breaks_the_cycle() -> None:
    nodes = [waits("A", "E", 16), waits("B", None, 8)]
    wakes = {"E": WakeSet((HoldNode("B", None),), True, "set")}
    assert find_stall_cycle(Graph(nodes, [EVENT, LOCK]), nodes, wakes) is None


def test_no_wakers_no_cycle() -> None:
    nodes = [waits("A", "E", 16), waits("B", "L", 8)]
    wakes = {"E": WakeSet((), True, "set")}
    assert find_stall_cycle(Graph(nodes, [EVENT, LOCK]), nodes, wakes) is None


def test_a_pool_whose_units_are_held_by_its_waiters_is_a_hold_and_wait() -> None:
    pool = ResourceNode("Q", "Queue.get", (), exclusive=False, name="pool")
    nodes = [waits("A", "Q", 11), waits("B", "Q", 11)]
    units = (HoldNode("A", at(9)), HoldNode("B", at(9)))
    wakes = {"Q": WakeSet((), True, "put", units)}
    found = find_stall_cycle(Graph(nodes, [pool]), nodes, wakes)
    assert found is not None and found.proven
    assert found.finding.message.startswith("hold-and-wait on Queue 'pool'")
    assert "'task-A' (took one at app.py:9)" in found.finding.message
    assert set(found.finding.members) == {"A", "B"}
    assert all(e.relation == "holds" and e.since == at(9) for e in found.finding.edges)


def test_a_stall_names_the_wakers_of_what_its_tasks_wait_on() -> None:
    _, nodes, wakes = lock_and_event(exact=False)
    finding = explain_stall(nodes, {"E": EVENT, "L": LOCK}, 1.0, wakes)
    wake = [e for e in finding.edges if e.relation == "wakes"]
    assert [(e.waiter, e.holder, e.since) for e in wake] == [("A", "B", at(9))]


def test_a_parent_waiting_on_the_cycle_is_named_where_it_waits() -> None:
    gather = ResourceNode("G", "gather", (HoldNode("A", None), HoldNode("B", None)), mode="all")
    nodes = [waits("A", "E", 16), waits("B", "L", 8), waits("M", "G", 27)]
    wakes = {"E": WakeSet((HoldNode("B", at(9)),), True, "set")}
    found = find_stall_cycle(Graph(nodes, [EVENT, LOCK, gather]), nodes, wakes)
    assert found is not None and found.proven
    parent = found.finding.task("M")
    assert parent is not None and parent.waits_at == at(27)
    assert set(found.finding.members) == {"A", "B"}
    assert "also stuck, waiting on the cycle: 'task-M'" in found.finding.notes[0]

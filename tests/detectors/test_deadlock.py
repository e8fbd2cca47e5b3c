"""find_deadlock on hand-built wait-for graphs: cycles, orphans, ANY/ALL and non-exclusive waits."""

from __future__ import annotations

import time

import pytest

from aiodeadlock.detectors.deadlock import Deadlock, find_deadlock
from aiodeadlock.model.findings import ORPHANED_LOCK, SELF_DEADLOCK, WAIT_CYCLE
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import ALL, ANY, HoldNode, ResourceNode, TaskNode, WaitNode

FILE = "app.py"


class DictGraph:
    """A GraphView backed by dicts; it records which nodes the search asked for."""

    def __init__(self) -> None:
        self.tasks: dict[str, TaskNode] = {}
        self.resources: dict[str, ResourceNode] = {}
        self.asked: list[str] = []

    # GraphView
    def task(self, key: str) -> TaskNode:
        self.asked.append(key)
        return self.tasks[key]

    def resource(self, key: str) -> ResourceNode:
        self.asked.append(key)
        return self.resources[key]

    # building
    def add_task(
        self, key: str, waits: str | None = None, line: int = 1, ended: str | None = None
    ) -> None:
        wait = WaitNode(waits, Location(FILE, line)) if waits else None
        exception = "ValueError('x')" if ended == "raised" else None
        self.tasks[key] = TaskNode(key, f"task-{key}", wait, ended, exception)

    def add_resource(
        self,
        key: str,
        *holders: str,
        mode: str = ANY,
        exclusive: bool = True,
        type: str = "Lock",
    ) -> None:
        holds = tuple(HoldNode(h, Location(FILE, 100 + i)) for i, h in enumerate(holders))
        self.resources[key] = ResourceNode(key, type, holds, mode=mode, exclusive=exclusive)


def waiters(found: Deadlock) -> list[str]:
    return [step.task.key for step in found.steps]


def test_self_loop_is_a_self_deadlock() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L", line=9)
    g.add_resource("L", "T1")
    found = find_deadlock(g, "T1")
    assert found is not None
    assert found.kind is SELF_DEADLOCK
    assert waiters(found) == ["T1"]
    step = found.steps[0]
    assert step.resource.key == "L"
    assert [h.task for h in step.holders] == ["T1"]
    assert step.task.waits == WaitNode("L", Location(FILE, 9))
    assert found.ended == ()


@pytest.mark.parametrize("start", ["T1", "T2"])
def test_two_cycle(start: str) -> None:
    g = DictGraph()
    g.add_task("T1", waits="L2")
    g.add_task("T2", waits="L1")
    g.add_resource("L1", "T1")
    g.add_resource("L2", "T2")
    found = find_deadlock(g, start)
    assert found is not None
    assert found.kind is WAIT_CYCLE
    assert waiters(found)[0] == start
    assert sorted(waiters(found)) == ["T1", "T2"]


def test_three_cycle_is_followed_in_order() -> None:
    g = DictGraph()
    for i in range(3):
        g.add_task(f"T{i}", waits=f"L{(i + 1) % 3}")
        g.add_resource(f"L{i}", f"T{i}")
    found = find_deadlock(g, "T0")
    assert found is not None
    assert found.kind is WAIT_CYCLE
    assert waiters(found) == ["T0", "T1", "T2"]
    assert [s.resource.key for s in found.steps] == ["L1", "L2", "L0"]


def test_waiter_outside_a_cycle_is_stuck_too() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L2")
    g.add_task("T2", waits="L1")
    g.add_task("T0", waits="L1")  # waits for a lock whose holder is in the cycle
    g.add_resource("L1", "T1")
    g.add_resource("L2", "T2")
    found = find_deadlock(g, "T0")
    assert found is not None
    assert found.kind is WAIT_CYCLE
    assert waiters(found) == ["T0", "T1", "T2"]
    from_cycle = find_deadlock(g, "T1")
    assert from_cycle is not None
    assert "T0" not in waiters(from_cycle)  # the outside waiter is not part of that story


def test_holder_that_runs_can_release() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L")
    g.add_task("T2")  # holds L and is not waiting on anything
    g.add_resource("L", "T2")
    assert find_deadlock(g, "T1") is None


def test_chain_ending_in_a_running_task_is_not_stuck() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L2")
    g.add_task("T2", waits="L3")
    g.add_task("T3")
    g.add_resource("L2", "T2")
    g.add_resource("L3", "T3")
    assert find_deadlock(g, "T1") is None


def test_any_resource_with_one_unstuck_holder_is_no_deadlock() -> None:
    g = DictGraph()
    g.add_task("T1", waits="S", line=5)
    g.add_task("T2", waits="L")  # stuck: waits for T1's lock
    g.add_task("T3")  # runs: will give its permit back
    g.add_resource("S", "T2", "T3", mode=ANY, type="Semaphore")
    g.add_resource("L", "T1")
    assert find_deadlock(g, "T1") is None


def test_any_resource_with_every_holder_stuck_is_a_deadlock() -> None:
    g = DictGraph()
    g.add_task("T1", waits="S")
    g.add_task("T2", waits="L")
    g.add_task("T3", waits="L")
    g.add_resource("S", "T2", "T3", mode=ANY, type="Semaphore")
    g.add_resource("L", "T1")
    found = find_deadlock(g, "T1")
    assert found is not None
    assert found.kind is WAIT_CYCLE
    assert sorted(h.task for h in found.steps[0].holders) == ["T2", "T3"]


def test_all_resource_with_one_stuck_holder_is_a_deadlock() -> None:
    """gather(child_a, child_b): child_a finished, child_b waits for the parent's lock."""
    g = DictGraph()
    g.add_task("P", waits="G")
    g.add_task("A", ended="returned")
    g.add_task("B", waits="L")
    g.add_resource("G", "A", "B", mode=ALL, type="gather")
    g.add_resource("L", "P")
    found = find_deadlock(g, "P")
    assert found is not None
    assert found.kind is WAIT_CYCLE  # a finished child of a gather is done, not an orphan
    assert found.ended == ()
    assert [h.task for h in found.steps[0].holders] == ["B"]
    assert waiters(found) == ["P", "B"]


def test_all_resource_with_no_stuck_holder_is_no_deadlock() -> None:
    g = DictGraph()
    g.add_task("P", waits="G")
    g.add_task("A")
    g.add_task("B", ended="returned")
    g.add_resource("G", "A", "B", mode=ALL, type="gather")
    assert find_deadlock(g, "P") is None


def test_all_resource_with_a_stuck_and_a_running_holder_is_a_deadlock() -> None:
    """asyncio.wait(ALL_COMPLETED): one member that never finishes is enough."""
    g = DictGraph()
    g.add_task("P", waits="W")
    g.add_task("A")  # still running, but P needs B too
    g.add_task("B", waits="L")
    g.add_resource("W", "A", "B", mode=ALL, type="wait")
    g.add_resource("L", "P")
    found = find_deadlock(g, "P")
    assert found is not None
    assert [h.task for h in found.steps[0].holders] == ["B"]


def test_gather_as_any_over_unfinished_children_with_a_running_child() -> None:
    """gather()/TaskGroup end when any child fails: a running child may still wake the parent."""
    g = DictGraph()
    g.add_task("P", waits="G")
    g.add_task("A")
    g.add_task("B", waits="L")
    g.add_resource("G", "A", "B", mode=ANY, type="gather")
    g.add_resource("L", "P")
    assert find_deadlock(g, "P") is None
    assert find_deadlock(g, "B") is None


@pytest.mark.parametrize("how", ["returned", "raised", "cancelled"])
def test_ended_holder_is_an_orphan(how: str) -> None:
    g = DictGraph()
    g.add_task("T1", waits="L", line=18)
    g.add_task("T2", ended=how)
    g.add_resource("L", "T2")
    found = find_deadlock(g, "T1")
    assert found is not None
    assert found.kind is ORPHANED_LOCK
    assert [t.key for t in found.ended] == ["T2"]
    assert found.ended[0].ended == how
    assert waiters(found) == ["T1"]


def test_orphans_off_leaves_ended_holders_undecided() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L")
    g.add_task("T2", ended="raised")
    g.add_resource("L", "T2")
    assert find_deadlock(g, "T1", orphans=False) is None


def test_orphan_behind_a_stuck_task() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L1")
    g.add_task("T2", waits="L2")
    g.add_task("T3", ended="cancelled")
    g.add_resource("L1", "T2")
    g.add_resource("L2", "T3")
    found = find_deadlock(g, "T1")
    assert found is not None
    assert found.kind is ORPHANED_LOCK
    assert [t.key for t in found.ended] == ["T3"]
    assert waiters(found) == ["T1", "T2"]


def test_non_exclusive_resource_never_deadlocks() -> None:
    g = DictGraph()
    g.add_task("T1", waits="E")
    g.add_resource("E", "T1", exclusive=False, type="Event")  # anyone may set it
    assert find_deadlock(g, "T1") is None


def test_non_exclusive_resource_breaks_a_cycle() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L2")
    g.add_task("T2", waits="L1")
    g.add_resource("L1", "T1", exclusive=False)  # e.g. released by others before
    g.add_resource("L2", "T2")
    assert find_deadlock(g, "T1") is None
    assert find_deadlock(g, "T2") is None


def test_resource_without_holders_is_no_deadlock() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L")
    g.add_resource("L")
    assert find_deadlock(g, "T1") is None


@pytest.mark.parametrize("ended", [None, "returned"])
def test_start_that_does_not_wait_is_not_stuck(ended: str | None) -> None:
    g = DictGraph()
    g.add_task("T1", ended=ended)
    assert find_deadlock(g, "T1") is None


def test_search_expands_only_what_it_reaches() -> None:
    g = DictGraph()
    g.add_task("T1", waits="L")
    g.add_resource("L", "T1")
    for i in range(50):  # unrelated tasks and locks
        g.add_task(f"X{i}", waits=f"M{i}")
        g.add_resource(f"M{i}", f"X{i}")
    assert find_deadlock(g, "T1") is not None
    assert set(g.asked) == {"T1", "L"}


@pytest.mark.parametrize("closed", [False, True], ids=["ends-on-event", "closes-a-cycle"])
def test_a_long_await_chain_is_decided_in_one_pass(closed: bool) -> None:
    """3,000 tasks, each awaiting the next: the last waits on an Event (nothing is stuck) or
    on the first (all of them are). Dropping the unstuck waits one link per pass over the
    whole chain took seconds per search (and a scan searches from every task)."""
    n = 3000
    g = DictGraph()
    for i in range(n):
        g.add_task(f"T{i}", waits=f"R{(i + 1) % n}")
        g.add_resource(f"R{(i + 1) % n}", f"T{(i + 1) % n}", mode=ALL, type="Task")
    if not closed:
        g.add_task(f"T{n - 1}", waits="E")
        g.add_resource("E", exclusive=False, type="Event")
    start = time.perf_counter()
    found = find_deadlock(g, "T0")
    assert time.perf_counter() - start < 0.5
    if closed:
        assert found is not None and found.kind == WAIT_CYCLE and len(found.steps) == n
    else:
        assert found is None

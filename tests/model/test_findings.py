"""Finding identity: the same deadlock found twice is one finding, two deadlocks are two."""

from __future__ import annotations

from aiodeadlock.model.findings import WAIT_CYCLE, Edge, Finding, TaskReport
from aiodeadlock.model.location import Location


def _cycle(names: tuple[str, str], start: int, at: tuple[int, int] = (10, 20)) -> Finding:
    """A 2-task cycle between tasks keyed T1 and T2, as found starting from task `start`."""
    where = [Location("app.py", line, "f") for line in at]
    edges = (
        Edge("T1", "R1", where[0], "T2", None),
        Edge("T2", "R2", where[1], "T1", None),
    )
    tasks = (TaskReport("T1", names[0], "waiting"), TaskReport("T2", names[1], "waiting"))
    return Finding(
        WAIT_CYCLE,
        f"cycle seen from {names[start]}",
        where[start],
        edges,
        tasks,
        (),
        members=("T1", "T2"),
    )


def test_a_cycle_found_from_either_task_is_one_finding() -> None:
    assert _cycle(("a", "b"), 0).identity() == _cycle(("a", "b"), 1).identity()


def test_tasks_that_reuse_freed_tasks_keys_make_another_finding() -> None:
    assert _cycle(("a", "b"), 0).identity() != _cycle(("c", "d"), 0).identity()
    assert _cycle(("a", "b"), 0).identity() != _cycle(("a", "b"), 0, (11, 21)).identity()

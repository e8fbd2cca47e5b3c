"""said_already: a potential finding about resources a deadlock already names adds nothing."""

from __future__ import annotations

from aiodeadlock.model.findings import LOCK_ORDER, SELF_DEADLOCK, WAIT_CYCLE, Finding, Resource
from aiodeadlock.model.location import Location
from aiodeadlock.model.report import said_already

LINE_3 = Location("prog.py", 3)


def _lock(key: str, name: str | None) -> Resource:
    return Resource(key, "Lock", name, LINE_3)


def _finding(kind: object, *resources: Resource) -> Finding:
    return Finding(kind, "m", None, resources=resources)  # type: ignore[arg-type]


def test_the_lock_order_cycle_of_a_wait_cycle_is_said_already() -> None:
    cycle = _finding(WAIT_CYCLE, _lock("R1", "a"), _lock("R2", "b"))
    order = _finding(LOCK_ORDER, _lock("L1", "b"), _lock("L2", "a"))
    assert said_already(order, [cycle])


def test_two_unnamed_locks_of_one_line_are_more_than_one_of_them() -> None:
    """`a, b = Lock(), Lock()` where names are not known: the self-deadlock on one of them
    does not say what an inversion of both says."""
    self_deadlock = _finding(SELF_DEADLOCK, _lock("R1", None))
    order = _finding(LOCK_ORDER, _lock("L1", None), _lock("L2", None))
    assert not said_already(order, [self_deadlock])
    assert said_already(order, [_finding(WAIT_CYCLE, _lock("R1", None), _lock("R2", None))])


def test_named_locks_differ_by_name() -> None:
    self_deadlock = _finding(SELF_DEADLOCK, _lock("R1", "a"))
    order = _finding(LOCK_ORDER, _lock("L1", "a"), _lock("L2", "b"))
    assert not said_already(order, [self_deadlock])


def test_only_definite_findings_say_anything() -> None:
    order = _finding(LOCK_ORDER, _lock("L1", "a"))
    assert not said_already(order, [_finding(LOCK_ORDER, _lock("L9", "a"))])

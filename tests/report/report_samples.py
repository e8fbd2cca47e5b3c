"""Hand-built findings and reports for the renderer tests, with a real source file to quote."""

from __future__ import annotations

from pathlib import Path

from aiodeadlock.model.findings import (
    LOCK_ORDER,
    ORPHANED_LOCK,
    STALL,
    WAIT_CYCLE,
    Edge,
    Finding,
    Hold,
    Resource,
    TaskReport,
)
from aiodeadlock.model.location import Location
from aiodeadlock.model.report import Report, RunInfo

#: The program the sample findings point into (line numbers below refer to it).
SOURCE = """\
import asyncio

lock_a = asyncio.Lock()
lock_b = asyncio.Lock()


async def transfer_ab():
    async with lock_a:
        await asyncio.sleep(0)
        async with lock_b:
            pass


async def transfer_ba():
    async with lock_b:
        await asyncio.sleep(0)
        async with lock_a:
            pass


async def audit():
    async with lock_a:
        pass
"""
TAKE_A, WAIT_B = 8, 10  # transfer_ab
TAKE_B, WAIT_A = 15, 17  # transfer_ba
AUDIT_WAIT = 22
CREATE_A, CREATE_B = 3, 4


def write_source(directory: Path) -> Path:
    path = directory / "bank.py"
    path.write_text(SOURCE, encoding="utf-8")
    return path


def at(path: Path | str, line: int, function: str | None = None) -> Location:
    return Location(str(path), line, function)


def lock_cycle(path: Path | str, first: str = "worker-1", second: str = "worker-2") -> Finding:
    """Two tasks each holding the lock the other waits for, and a third waiting on one of
    them (collateral, not on the cycle)."""
    a = Resource("L1", "Lock", "lock_a", at(path, CREATE_A, "<module>"))
    b = Resource("L2", "Lock", "lock_b", at(path, CREATE_B, "<module>"))
    t1 = TaskReport(
        "T1",
        first,
        "waiting",
        "L2",
        at(path, WAIT_B, "transfer_ab"),
        (Hold("L1", at(path, TAKE_A, "transfer_ab")),),
        (at(path, WAIT_B, "transfer_ab"),),
    )
    t2 = TaskReport(
        "T2",
        second,
        "waiting",
        "L1",
        at(path, WAIT_A, "transfer_ba"),
        (Hold("L2", at(path, TAKE_B, "transfer_ba")),),
        (at(path, WAIT_A, "transfer_ba"),),
    )
    t3 = TaskReport(
        "T3", "auditor", "waiting", "L1", at(path, AUDIT_WAIT, "audit"), (), (at(path, 22),)
    )
    edges = (
        Edge("T1", "L2", t1.waits_at, "T2", at(path, TAKE_B, "transfer_ba")),
        Edge("T2", "L1", t2.waits_at, "T1", at(path, TAKE_A, "transfer_ab")),
        Edge("T3", "L1", t3.waits_at, "T1", at(path, TAKE_A, "transfer_ab")),
    )
    message = f"2 tasks wait for each other in a cycle: {first!r} -> {second!r} -> {first!r}"
    return Finding(
        WAIT_CYCLE,
        message,
        at(path, WAIT_A, "transfer_ba"),
        edges,
        (t1, t2, t3),
        (a, b),
        notes=("also stuck, waiting on the cycle: 'auditor'",),
        members=("T1", "T2"),
    )


def awaited_cycle(path: Path | str) -> Finding:
    """main awaits a task that awaits main: each task is a resource too."""
    main = TaskReport(
        "T1", "main", "waiting", "R2", at(path, 9), (Hold("R1", None),), (at(path, 9),)
    )
    child = TaskReport("T2", "child", "waiting", "R1", at(path, 16), (Hold("R2", None),))
    return Finding(
        WAIT_CYCLE,
        "2 tasks wait for each other in a cycle: 'main' -> 'child' -> 'main'",
        at(path, 16),
        (
            Edge("T1", "R2", at(path, 9), "T2", None),
            Edge("T2", "R1", at(path, 16), "T1", None),
        ),
        (main, child),
        (Resource("R1", "Task", "main"), Resource("R2", "Task", "child")),
        members=("T1", "T2"),
    )


def orphan(path: Path | str) -> Finding:
    """A task waits for a lock whose holder ended without releasing it (no cycle)."""
    waiter = TaskReport("T1", "auditor", "waiting", "L1", at(path, AUDIT_WAIT, "audit"))
    ended = TaskReport(
        "T2",
        "worker-1",
        "ended",
        holds=(Hold("L1", at(path, TAKE_A)),),
        ended="raised",
        exception="ValueError('boom')",
        ended_at=at(path, 9, "transfer_ab"),
    )
    return Finding(
        ORPHANED_LOCK,
        "Task 'auditor' waits for Lock 'lock_a', held by task 'worker-1', which raised",
        at(path, AUDIT_WAIT, "audit"),
        (Edge("T1", "L1", at(path, AUDIT_WAIT), "T2", at(path, TAKE_A)),),
        (waiter, ended),
        (Resource("L1", "Lock", "lock_a", at(path, CREATE_A)),),
    )


def lock_order(path: Path | str) -> Finding:
    """Two code paths taking the two locks in opposite orders (potential; no holder named)."""
    paths = (
        TaskReport(
            "P1",
            "worker-1",
            "path",
            "L2",
            at(path, WAIT_B, "transfer_ab"),
            (Hold("L1", at(path, TAKE_A)),),
        ),
        TaskReport(
            "P2",
            "worker-2",
            "path",
            "L1",
            at(path, WAIT_A, "transfer_ba"),
            (Hold("L2", at(path, TAKE_B)),),
        ),
    )
    return Finding(
        LOCK_ORDER,
        "Lock 'lock_a' and Lock 'lock_b' are taken in opposite orders on different paths",
        at(path, WAIT_B, "transfer_ab"),
        (
            Edge("P1", "L2", at(path, WAIT_B), None, at(path, TAKE_A)),
            Edge("P2", "L1", at(path, WAIT_A), None, at(path, TAKE_B)),
        ),
        paths,
        (
            Resource("L1", "Lock", "lock_a", at(path, CREATE_A), "instance 1"),
            Resource("L2", "Lock", "lock_b", at(path, CREATE_B), "instance 2"),
        ),
    )


def crowd(path: Path | str, waiters: int) -> Finding:
    """A two-task cycle with `waiters` more tasks queued on its first lock."""
    cycle = lock_cycle(path)
    extra = tuple(
        TaskReport(f"W{i}", f"waiter-{i}", "waiting", "L1", at(path, AUDIT_WAIT, "audit"))
        for i in range(waiters)
    )
    edges = tuple(Edge(t.key, "L1", t.waits_at, "T1", at(path, TAKE_A)) for t in extra)
    return Finding(
        cycle.kind,
        cycle.message,
        cycle.location,
        cycle.edges + edges,
        cycle.tasks + extra,
        cycle.resources,
        members=cycle.members,
    )


def stall(path: Path | str, waiters: int) -> Finding:
    """`waiters` tasks waiting on one event nobody sets (no cycle)."""
    tasks = tuple(
        TaskReport(f"W{i}", f"waiter-{i}", "waiting", "E1", at(path, AUDIT_WAIT, "audit"))
        for i in range(waiters)
    )
    return Finding(
        STALL,
        f"{waiters} task(s) wait and nothing can wake them",
        at(path, AUDIT_WAIT, "audit"),
        tuple(Edge(t.key, "E1", t.waits_at, None, None) for t in tasks),
        tasks,
        (Resource("E1", "Event", "ready", at(path, CREATE_A)),),
    )


def run_info() -> RunInfo:
    return RunInfo(
        ("python", "bank.py", "--accounts", "two words"),
        "3.12.1",
        "CPython",
        "Linux-6.1-x86_64",
        "2026-01-02T03:04:05+00:00",
        4242,
    )


def full_report(path: Path | str) -> Report:
    """A deadlock, an orphan and a potential lock-order finding, with run information."""
    return Report((lock_cycle(path), orphan(path), lock_order(path)), run_info())

#!/usr/bin/env python3
"""Await edges of N suspended tasks: aiodeadlock's reading (waits.blocked_on) against the
call-graph bookkeeping of Python 3.14+ (`Future._asyncio_awaited_by`,
`asyncio.capture_call_graph`): time per task, and which edges each one sees.

    PYTHONPATH=src python benchmarks/call_graph.py [--tasks 2000] [--json]

An edge is (waiting task, task waited on). aiodeadlock reads what each task waits on now
(its `_fut_waiter` and the asyncio frames it is suspended in); 3.14+ records, on each
future, the tasks that await it (added when a task blocks on it, or when gather, shield,
wait, as_completed or a TaskGroup starts watching it for the task that called them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from aiodeadlock.instrument import waits
from aiodeadlock.instrument.waits import blocked_on

Edges = set[tuple[int, int]]
#: The tasks a shape starts (the loop keeps only weak references to tasks).
_started: list[asyncio.Task[Any]] = []


def _start(coro: Coroutine[Any, Any, Any]) -> None:
    _started.append(asyncio.create_task(coro))


async def _idle(gate: asyncio.Event) -> None:
    await gate.wait()


def _spawn(gate: asyncio.Event, n: int) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(_idle(gate)) for _ in range(n)]


# Each shape starts tasks (about n in all) and returns once they are suspended.


async def chain(gate: asyncio.Event, n: int) -> None:
    """Task i awaits task i+1; the last one waits on the gate."""
    nxt: asyncio.Task[None] = asyncio.create_task(_idle(gate))
    for _ in range(n - 1):
        nxt = asyncio.create_task(_await(nxt))
    _started.append(nxt)  # the others are held by the task that awaits them


async def _await(task: asyncio.Task[None]) -> None:
    await task


async def gather(gate: asyncio.Event, n: int) -> None:
    """Groups of 10 children, each group gathered by one parent."""
    for _ in range(max(1, n // 11)):
        children = _spawn(gate, 10)
        _start(_gather(children))


async def _gather(children: list[asyncio.Task[None]]) -> None:
    await asyncio.gather(*children)


async def gather_elsewhere(gate: asyncio.Event, n: int) -> None:
    """A gather made in one task and awaited by another (the maker goes on waiting on the
    gate): the waiter is the one that waits on the children."""
    for _ in range(max(1, n // 12)):
        children = _spawn(gate, 10)
        handed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        _start(_make_gather(children, handed, gate))
        _start(_await_handed(handed))


async def _make_gather(
    children: list[asyncio.Task[None]], handed: asyncio.Future[Any], gate: asyncio.Event
) -> None:
    handed.set_result(asyncio.gather(*children))
    await gate.wait()


async def _await_handed(handed: asyncio.Future[Any]) -> None:
    await (await handed)


async def shield(gate: asyncio.Event, n: int) -> None:
    for _ in range(n // 2):
        (child,) = _spawn(gate, 1)
        _start(_shield(child))


async def _shield(child: asyncio.Task[None]) -> None:
    await waits.shield(child)  # asyncio.shield as `aiodeadlock run` patches it


async def wait(gate: asyncio.Event, n: int) -> None:
    for _ in range(max(1, n // 11)):
        children = _spawn(gate, 10)
        _start(asyncio.wait(children))


async def as_completed(gate: asyncio.Event, n: int) -> None:
    for _ in range(max(1, n // 11)):
        children = _spawn(gate, 10)
        _start(_as_completed(children))


async def _as_completed(children: list[asyncio.Task[None]]) -> None:
    for fut in asyncio.as_completed(children):
        await fut


async def taskgroup(gate: asyncio.Event, n: int) -> None:
    """Parents in a TaskGroup's __aexit__, waiting for 10 children each."""
    for _ in range(max(1, n // 11)):
        _start(_group(gate, wait_in_body=False))


async def taskgroup_body(gate: asyncio.Event, n: int) -> None:
    """Parents still in a TaskGroup's body, waiting on the gate, not on their children."""
    for _ in range(max(1, n // 11)):
        _start(_group(gate, wait_in_body=True))


async def _group(gate: asyncio.Event, wait_in_body: bool) -> None:
    async with asyncio.TaskGroup() as group:
        for _ in range(10):
            group.create_task(_idle(gate))
        if wait_in_body:
            await gate.wait()


SHAPES: dict[str, Callable[[asyncio.Event, int], Coroutine[Any, Any, None]]] = {
    "chain": chain,
    "gather": gather,
    "gather-elsewhere": gather_elsewhere,
    "shield": shield,
    "wait": wait,
    "as_completed": as_completed,
    "taskgroup": taskgroup,
    "taskgroup-body": taskgroup_body,
}


# -- the two readings ---------------------------------------------------------------------


def edges_blocked_on(tasks: list[Any]) -> Edges:
    edges: Edges = set()
    for task in tasks:
        found = blocked_on(task)
        if found is not None:
            edges.update((id(task), id(h)) for h in found.holders if isinstance(h, asyncio.Task))
    return edges


def edges_awaited_by(tasks: list[Any]) -> Edges:
    return {(id(w), id(t)) for t in tasks for w in t._asyncio_awaited_by or ()}


def edges_call_graph(tasks: list[Any]) -> Edges:
    edges: Edges = set()
    for task in tasks:
        graph = asyncio.capture_call_graph(task)  # type: ignore[attr-defined]
        if graph is not None:
            edges.update((id(g.future), id(task)) for g in graph.awaited_by)
    return edges


def _timed(read: Callable[[list[Any]], Edges], tasks: list[Any]) -> tuple[float, Edges]:
    best, edges = float("inf"), set()
    for _ in range(5):
        start = time.perf_counter()
        edges = read(tasks)
        best = min(best, time.perf_counter() - start)
    return best, edges


async def measure(shape: str, n: int) -> dict[str, Any]:
    gate = asyncio.Event()
    await SHAPES[shape](gate, n)
    for _ in range(5):  # let every task reach its wait
        await asyncio.sleep(0)
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not me and not t.done()]
    row: dict[str, Any] = {"shape": shape, "tasks": len(tasks)}
    seconds, ours = _timed(edges_blocked_on, tasks)
    row["blocked_on_us_per_task"] = 1e6 * seconds / len(tasks)
    row["edges_blocked_on"] = len(ours)
    if sys.version_info >= (3, 14):
        seconds, theirs = _timed(edges_awaited_by, tasks)
        row["awaited_by_us_per_task"] = 1e6 * seconds / len(tasks)
        try:  # it walks every task's awaiters, and theirs, recursively
            seconds, graph = _timed(edges_call_graph, tasks)
            row["capture_call_graph_us_per_task"] = 1e6 * seconds / len(tasks)
            assert graph == theirs
        except RecursionError:
            row["capture_call_graph_us_per_task"] = "RecursionError"
        row["edges_awaited_by"] = len(theirs)
        row["only_blocked_on"] = len(ours - theirs)  # edges the bookkeeping has not
        row["only_awaited_by"] = len(theirs - ours)  # recorded edges that are no wait now
    gate.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    _started.clear()
    return row


async def main(n: int) -> list[dict[str, Any]]:
    return [await measure(shape, n) for shape in SHAPES]


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000, help="tasks per shape")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    # The detector is not installed (its scans would be timed too): only the reading.
    rows = asyncio.run(main(args.tasks))
    if args.json:
        print(json.dumps({"python": sys.version.split()[0], "rows": rows}, indent=1))
        return
    print(f"Python {sys.version.split()[0]}, about {args.tasks} tasks per shape (us per task)")
    cols = ["shape", "tasks", "blocked_on_us_per_task", "edges_blocked_on"]
    if sys.version_info >= (3, 14):
        cols += ["awaited_by_us_per_task", "capture_call_graph_us_per_task"]
        cols += ["edges_awaited_by", "only_blocked_on", "only_awaited_by"]
    short = {c: c.replace("_us_per_task", " us").replace("capture_call_graph", "ccg") for c in cols}
    print("  ".join(f"{short[c]:>16}" for c in cols))
    for row in rows:
        cells = [
            f"{row[c]:16.2f}" if isinstance(row[c], float) else f"{row[c]!s:>16}" for c in cols
        ]
        print("  ".join(cells))


if __name__ == "__main__":
    run()

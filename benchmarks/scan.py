#!/usr/bin/env python3
"""Wait-for graph at scale: with N tasks blocked on an Event, how long does one scan of the
loop take, and how long from the moment two of them close an await cycle to the report?

    python benchmarks/scan.py [--tasks 100000] [--repeat 5] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import aiodeadlock
from aiodeadlock import runtime


async def _waiter(ev: asyncio.Event) -> None:
    await ev.wait()


async def scan_time(n: int) -> float:
    """Seconds for one full scan (graph built, searched) with n blocked tasks, no cycle."""
    ev = asyncio.Event()
    tasks = [asyncio.create_task(_waiter(ev)) for _ in range(n)]
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    gc.collect()  # what the collector owes for creating the tasks is not the scan's cost
    start = time.perf_counter()
    found = runtime._scan_cycles(loop, orphans_after=1.0)
    spent = time.perf_counter() - start
    assert not found
    ev.set()
    await asyncio.gather(*tasks)
    return spent


async def cycle_time(n: int) -> float:
    """Seconds from the moment a 2-task await cycle closes until it is reported (as a
    DeadlockError raised in one of them), with n other tasks blocked on an Event."""
    ev = asyncio.Event()
    others = [asyncio.create_task(_waiter(ev)) for _ in range(n)]
    await asyncio.sleep(0)
    loop = asyncio.get_running_loop()
    reported: asyncio.Future[float] = loop.create_future()
    closed = 0.0

    async def first() -> None:
        await second_task

    async def second() -> None:
        nonlocal closed
        closed = time.perf_counter()
        try:
            await asyncio.shield(first_task)  # a plain future: can carry the error
        except aiodeadlock.DeadlockError:
            reported.set_result(time.perf_counter())

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    # No timeout here: a pending timer would make the loop "busy" and this would measure
    # the periodic scan instead; a thread ends the process if nothing is ever reported.
    guard = threading.Timer(120, lambda: os._exit(1))
    guard.daemon = True
    guard._adl_own = True  # type: ignore[attr-defined]  # not a thread that can wake tasks
    guard.start()
    at = await reported
    guard.cancel()
    ev.set()
    first_task.cancel()
    await asyncio.gather(*others, first_task, return_exceptions=True)
    return at - closed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    aiodeadlock.install(on_deadlock="raise")
    scans = [asyncio.run(scan_time(args.tasks)) for _ in range(args.repeat)]
    cycles = [asyncio.run(cycle_time(args.tasks)) for _ in range(args.repeat)]
    aiodeadlock.uninstall()
    result = {
        "python": sys.version.split()[0],
        "tasks": args.tasks,
        "scan_ms": {"min": min(scans) * 1e3, "max": max(scans) * 1e3},
        "cycle_ms": {"min": min(cycles) * 1e3, "max": max(cycles) * 1e3},
    }
    print(
        f"Python {result['python']}, {args.tasks:,} blocked tasks: full scan "
        f"{result['scan_ms']['min']:.0f} ms (max {result['scan_ms']['max']:.0f}); "
        f"2-task cycle reported {result['cycle_ms']['min']:.0f} ms after it closed "
        f"(max {result['cycle_ms']['max']:.0f})"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

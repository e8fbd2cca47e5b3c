#!/usr/bin/env python3
"""Benchmark workloads, and the worker that measures one of them in a fresh process."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
import tracemalloc
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

#: aiodeadlock.install() settings of each variant ("plain" and "debug" do not install it).
#: "default" is what `aiodeadlock run` uses without options (exit mode, report to stderr,
#: grace 1 s, watchdog on at 1 s, long-wait off); "all" also turns the long-wait detector on.
INSTALL: dict[str, dict[str, Any]] = {
    "default": {"on_deadlock": "exit", "output": "-", "grace": 1.0, "watchdog": 1.0},
    "all": {
        "on_deadlock": "exit",
        "output": "-",
        "grace": 1.0,
        "watchdog": 1.0,
        "long_wait": 1.0,
    },
}
VARIANTS = ("plain", "default", "all", "debug")

#: (operations done, nanoseconds spent on them)
Timing = tuple[int, int]


def _now() -> int:
    return time.perf_counter_ns()


# -- timed workloads: each takes a number of operations, returns (ops done, ns spent) ----


async def lock_uncontended(n: int) -> Timing:
    """One task: `async with lock` n times, never waiting. Op: one acquire+release."""
    lock = asyncio.Lock()
    start = _now()
    for _ in range(n):
        async with lock:
            pass
    return n, _now() - start


async def lock_pingpong(n: int) -> Timing:
    """Two tasks take one lock in turns: every acquire finds it held and waits. Op: one
    acquire."""
    lock = asyncio.Lock()

    async def player() -> None:
        for _ in range(n // 2):
            async with lock:
                await asyncio.sleep(0)

    start = _now()
    await asyncio.gather(player(), player())
    return n // 2 * 2, _now() - start


async def semaphore_fanout(n: int) -> Timing:
    """Batches of 1,000 tasks through a Semaphore(10), each doing a sleep(0) inside.
    Op: one task (created, through the semaphore, done)."""
    sem = asyncio.Semaphore(10)

    async def job() -> None:
        async with sem:
            await asyncio.sleep(0)

    batches = max(1, n // 1000)
    start = _now()
    for _ in range(batches):
        await asyncio.gather(*(job() for _ in range(1000)))
    return batches * 1000, _now() - start


async def queue_pipeline(n: int) -> Timing:
    """4 producers and 4 consumers through a Queue(maxsize=16). Op: one item through."""
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=16)
    per = max(1, n // 4)

    async def producer() -> None:
        for i in range(per):
            await queue.put(i)

    async def consumer() -> None:
        while await queue.get() is not None:
            pass

    start = _now()
    consumers = [asyncio.create_task(consumer()) for _ in range(4)]
    await asyncio.gather(*(producer() for _ in range(4)))
    for _ in consumers:
        await queue.put(None)
    await asyncio.gather(*consumers)
    return per * 4, _now() - start


async def condition_rounds(n: int) -> Timing:
    """Two tasks take turns through one Condition (wait_for + notify). Op: one turn."""
    cond = asyncio.Condition()
    turn = 0

    async def player(me: int) -> None:
        nonlocal turn

        def mine() -> bool:
            return turn == me

        for _ in range(n // 2):
            async with cond:
                await cond.wait_for(mine)
                turn = 1 - me
                cond.notify()

    start = _now()
    await asyncio.gather(player(0), player(1))
    return n // 2 * 2, _now() - start


async def event_rounds(n: int) -> Timing:
    """Two tasks signal each other with two Events (set, wait, clear). Op: one hand-over."""
    ping, pong = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        for _ in range(n // 2):
            ping.set()
            await pong.wait()
            pong.clear()

    async def second() -> None:
        for _ in range(n // 2):
            await ping.wait()
            ping.clear()
            pong.set()

    start = _now()
    await asyncio.gather(first(), second())
    return n // 2 * 2, _now() - start


async def app_mix(n: int) -> Timing:
    """1,000 worker tasks doing rounds of transfers: a pool Semaphore(20), then two of 100
    account locks (nested, in a fixed order), a sleep(0), then a result into a
    Queue(100) read by a collector. Op: one transfer."""
    workers, accounts = 1000, 100
    rounds = max(1, n // workers)
    locks = [asyncio.Lock() for _ in range(accounts)]
    balances = [0] * accounts
    pool = asyncio.Semaphore(20)
    results: asyncio.Queue[tuple[int, int]] = asyncio.Queue(maxsize=100)

    async def worker(i: int) -> None:
        for r in range(rounds):
            a, b = (i * 7 + r) % accounts, (i * 13 + r * 3 + 1) % accounts
            if a == b:
                b = (b + 1) % accounts
            low, high = min(a, b), max(a, b)
            async with pool, locks[low], locks[high]:
                balances[a] -= 1
                balances[b] += 1
                await asyncio.sleep(0)
            await results.put((i, r))

    async def collector() -> None:
        for _ in range(workers * rounds):
            await results.get()

    start = _now()
    collecting = asyncio.create_task(collector())
    await asyncio.gather(*(worker(i) for i in range(workers)))
    await collecting
    elapsed = _now() - start
    assert sum(balances) == 0
    return workers * rounds, elapsed


async def streams_server(n: int) -> Timing:
    """A streams server on loopback and 100 connected clients (same loop), each sending
    line requests one after another; the handler takes a pool Semaphore(10) and a lock
    per request. Op: one request answered (connecting is not timed)."""
    clients = 100
    per = max(1, n // clients)
    pool = asyncio.Semaphore(10)
    lock = asyncio.Lock()
    served = 0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal served
        while line := await reader.readline():
            async with pool, lock:
                served += 1
            writer.write(line)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=clients)
    port = server.sockets[0].getsockname()[1]
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in range(clients)]

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(per):
            writer.write(b"ping\n")
            await writer.drain()
            await reader.readline()

    start = _now()
    await asyncio.gather(*(client(r, w) for r, w in conns))
    elapsed = _now() - start
    for _, writer in conns:
        writer.close()
    await asyncio.gather(*(w.wait_closed() for _, w in conns), return_exceptions=True)
    server.close()
    assert served == clients * per
    return clients * per, elapsed


async def task_churn(n: int) -> Timing:
    """Create 100 short tasks, await each; repeat. Op: one task created and awaited."""

    async def short(i: int) -> int:
        return i

    batches = max(1, n // 100)
    start = _now()
    for _ in range(batches):
        tasks = [asyncio.create_task(short(i)) for i in range(100)]
        for task in tasks:
            await task
    return batches * 100, _now() - start


async def nested_locks(n: int) -> Timing:
    """One task: `async with a: async with b:` n times (lock-order tracking sees every
    nesting). Op: one outer+inner acquire and release."""
    a, b = asyncio.Lock(), asyncio.Lock()
    start = _now()
    for _ in range(n):
        async with a, b:
            pass
    return n, _now() - start


async def loop_iterations(n: int) -> Timing:
    """One task doing `await asyncio.sleep(0)` while 100 others sleep on a timer: the
    per-iteration loop hook. Op: one loop iteration."""
    sleepers = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(100)]
    await asyncio.sleep(0)
    start = _now()
    for _ in range(n):
        await asyncio.sleep(0)
    elapsed = _now() - start
    for sleeper in sleepers:
        sleeper.cancel()
    await asyncio.gather(*sleepers, return_exceptions=True)
    return n, elapsed


@dataclass(frozen=True)
class Workload:
    body: Callable[[int], Coroutine[Any, Any, Timing]]
    #: What one operation is (for the tables).
    unit: str
    #: Operations per timed round in a full run.
    size: int
    #: Debug mode is much slower: it does size // debug_divisor operations.
    debug_divisor: int


#: Sizes: a plain round takes 30-80 ms on CPython 3.12 on the 2-core machine they were
#: chosen on; debug mode is 15-35x slower per operation.
WORKLOADS: dict[str, Workload] = {
    "lock_uncontended": Workload(lock_uncontended, "acquire", 150_000, 20),
    "lock_pingpong": Workload(lock_pingpong, "acquire", 7_000, 20),
    "semaphore_fanout": Workload(semaphore_fanout, "task", 3_000, 3),
    "queue": Workload(queue_pipeline, "item", 30_000, 25),
    "condition": Workload(condition_rounds, "turn", 14_000, 25),
    "event": Workload(event_rounds, "hand-over", 14_000, 25),
    "app_mix": Workload(app_mix, "transfer", 3_000, 3),
    "streams_server": Workload(streams_server, "request", 3_000, 10),
    "task_churn": Workload(task_churn, "task", 20_000, 25),
    "nested_locks": Workload(nested_locks, "nesting", 70_000, 20),
    "loop_iterations": Workload(loop_iterations, "iteration", 30_000, 20),
}
#: The scale workload (detection latency and memory with many blocked tasks): its own worker.
SCALE = "blocked_tasks"


# -- the scale workload: many blocked tasks ------------------------------------------


async def _wait(event: asyncio.Event) -> None:
    await event.wait()


async def _memory(n: int) -> dict[str, float]:
    """Traced bytes per lock (created, taken once, kept) and per task (parked on an Event
    while it holds a lock of its own, created beforehand)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        locks = [asyncio.Lock() for _ in range(n)]
        for lock in locks:
            async with lock:
                pass
        gc.collect()
        with_locks = tracemalloc.get_traced_memory()[0]
        event = asyncio.Event()
        tasks = [asyncio.create_task(_hold_and_wait(lock, event)) for lock in locks]
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        gc.collect()
        with_tasks = tracemalloc.get_traced_memory()[0]
        event.set()
        await asyncio.gather(*tasks)
    finally:
        tracemalloc.stop()
    return {
        "bytes_per_lock": (with_locks - base) / n,
        "bytes_per_task": (with_tasks - with_locks) / n,
    }


async def _hold_and_wait(lock: asyncio.Lock, event: asyncio.Event) -> None:
    async with lock:
        await event.wait()


async def _lock_cycle(error: type[BaseException]) -> float:
    """Seconds from the acquire that closes a 2-lock cycle to the DeadlockError."""
    first, second = asyncio.Lock(), asyncio.Lock()
    closed = found = 0.0

    async def one() -> None:
        nonlocal found
        try:
            async with first:
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                async with second:  # waits: `two` holds it
                    pass
        except error:
            found = found or time.perf_counter()

    async def two() -> None:
        nonlocal closed, found
        try:
            async with second:
                await asyncio.sleep(0)
                await asyncio.sleep(0)
                closed = time.perf_counter()
                async with first:  # closes the cycle
                    pass
        except error:
            found = found or time.perf_counter()

    await asyncio.gather(one(), two())
    if not (closed and found):
        raise RuntimeError("the lock cycle was not reported")
    return found - closed


async def _await_cycle(error: type[BaseException]) -> float:
    """Seconds from the moment two tasks await each other to the DeadlockError (found by
    the loop's scan when it goes idle)."""
    loop = asyncio.get_running_loop()
    reported: asyncio.Future[float] = loop.create_future()
    closed = 0.0

    async def first() -> None:
        await second_task

    async def second() -> None:
        nonlocal closed
        closed = time.perf_counter()
        try:
            await asyncio.shield(first_task)  # a plain future: it can carry the error
        except error:
            reported.set_result(time.perf_counter())

    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    # No timeout: a pending timer would keep the loop busy (then the periodic scan finds the
    # cycle instead). The driver's subprocess timeout ends a run where nothing is reported.
    at = await reported
    first_task.cancel()
    await asyncio.gather(first_task, second_task, return_exceptions=True)
    return at - closed


async def _blocked(
    n: int, error: type[BaseException] | None, cycles: int, result: dict[str, Any]
) -> dict[str, Any]:
    event = asyncio.Event()
    gc.collect()
    start = time.perf_counter()
    others = [asyncio.create_task(_wait(event)) for _ in range(n)]
    await asyncio.sleep(0)  # every task runs into its wait
    result["setup_s"] = time.perf_counter() - start
    # The others have been waiting a while (the case measured): a loop with many tasks
    # notices that within 0.1 s and from then on reads only the tasks that parked since it
    # last looked. Right after a burst of new tasks, the first check reads them all.
    for _ in range(5):
        await asyncio.sleep(0.1)
    gc.collect()  # what the collector owes for the new tasks is not detection's cost
    if error is not None:
        result["lock_cycle_ms"] = [await _lock_cycle(error) * 1e3 for _ in range(cycles)]
        # The figures so far, in case the await cycle is never reported (the driver then
        # keeps them when its timeout ends this process).
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
        result["await_cycle_ms"] = [await _await_cycle(error) * 1e3 for _ in range(cycles)]
    event.set()
    await asyncio.gather(*others)
    return result


def scale_worker(variant: str, tasks: int, memory_objects: int, long_wait: float) -> dict[str, Any]:
    """Memory per lock/task, then (instrumented) detection latency among `tasks` blocked
    tasks. Detection needs raise mode: the error marks the moment of the report (and
    carries it: nothing is written). `long_wait` replaces the variant's threshold."""
    error: type[BaseException] | None = None
    if variant in INSTALL:
        import aiodeadlock

        settings = {**INSTALL[variant], "on_deadlock": "raise", "output": None}
        if settings.get("long_wait") is not None:
            settings["long_wait"] = long_wait
        aiodeadlock.install(**settings)
        error = aiodeadlock.DeadlockError
    asyncio.run(_memory(200))  # warm up: first-call costs, caches
    result = asyncio.run(_memory(memory_objects))
    return asyncio.run(_blocked(tasks, error, 3, result))


# -- the worker -----------------------------------------------------------------------


def timed_worker(workload: str, variant: str, n: int, rounds: int, budget: float) -> dict[str, Any]:
    """Time up to `rounds` runs of one workload (after a warm-up) in this fresh process,
    stopping early once they took `budget` seconds."""
    if variant == "debug" and os.environ.get("PYTHONASYNCIODEBUG") != "1":
        raise SystemExit("the debug variant must run with PYTHONASYNCIODEBUG=1")
    session = None
    if variant in INSTALL:
        import aiodeadlock

        session = aiodeadlock.install(**INSTALL[variant])
    body = WORKLOADS[workload].body
    asyncio.run(body(max(n // 10, 1)))  # warm up: imports, caches, first-call costs
    samples: list[float] = []
    ops = spent = 0
    while len(samples) < rounds and spent < budget * 1e9:
        gc.collect()
        ops, elapsed = asyncio.run(body(n))
        samples.append(elapsed / ops)
        spent += elapsed
    return {
        "ops": ops,
        "ns_per_op": min(samples),
        "rounds": samples,
        "findings": None if session is None else len(session.findings),
    }


def main(argv: list[str]) -> int:
    """`workloads.py timed WORKLOAD VARIANT N ROUNDS BUDGET` or `workloads.py scale VARIANT
    TASKS OBJECTS LONG_WAIT`: prints the result as one line of JSON."""
    if argv[:1] == ["timed"] and len(argv) == 6:
        result = timed_worker(argv[1], argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    elif argv[:1] == ["scale"] and len(argv) == 5:
        result = scale_worker(argv[1], int(argv[2]), int(argv[3]), float(argv[4]))
    else:
        sys.stderr.write(main.__doc__ or "")
        return 2
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Random programs that mix a loop with threads, executors and other loops: ones that always
complete, and ones whose loop thread always blocks on work only that loop could do."""

from __future__ import annotations

from hypothesis import strategies as st
from programs import Draw, Program

#: The definite kind a blocked loop thread produces (it is found by the watchdog, so
#: those programs only run end to end, under `aiodeadlock run --loop-blocked`).
LOOP_BLOCKED = "DL106"

# -- why every "threads-complete" program completes --------------------------------
#
# * threading locks TL[i] are taken by executor jobs only in ascending index order and
#   held only around short sleeps: a job never waits for the loop, a future or another
#   thread while holding one; the loop thread takes at most one, alone, briefly;
# * producer threads (started by main before any task, never waiting for anything but a
#   sleep) resolve every concurrent future CF[k], set every threading.Event TE[k] and,
#   through call_soon_threadsafe, every asyncio.Event AE[k];
# * jobs on POOL may wait for the loop (run_coroutine_threadsafe of a coroutine that only
#   sleeps) but hold nothing then; the loop thread itself never waits for POOL, only for
#   SIDE, whose jobs need neither the loop nor a lock;
# * what the loop thread blocks on (a future of a producer, a SIDE job, a lock a job holds
#   around a sleep, a thread that sleeps) ends by itself, so the loop resumes;
# * a thread may run a loop of its own (asyncio.run), with its own lock, and is joined
#   from a worker thread (to_thread) so that the main loop stays free.

_HEAD = [
    "import asyncio",
    "import concurrent.futures",
    "import threading",
    "import time",
    "",
    "TL: list = []  # threading locks, in index order",
    "CF: list = []  # concurrent futures, resolved by producers",
    "TE: list = []  # threading events, set by producers",
    "AE: list = []  # asyncio events, set by producers through call_soon_threadsafe",
    "POOL = SIDE = LOOP = None",
    "",
    "",
    "async def ping(x):",
    "    await asyncio.sleep(0)",
    "    return x",
    "",
    "",
    "def producer(k, delay):",
    "    time.sleep(delay)",
    "    CF[k].set_result(k)",
    "    TE[k].set()",
    "    LOOP.call_soon_threadsafe(AE[k].set)",
    "",
    "",
    "async def side_loop_main():",
    "    lock = asyncio.Lock()",
    "    async def user():",
    "        async with lock:",
    "            await asyncio.sleep(0.001)",
    "    await asyncio.gather(user(), user())",
    "",
    "",
]

_DELAYS = ("0", "0.001", "0.003", "0.01")


def _locks_in_order(draw: Draw, n_locks: int) -> list[str]:
    chosen = sorted(draw(st.sets(st.integers(0, n_locks - 1), max_size=min(2, n_locks))))
    body = [f"time.sleep({draw(st.sampled_from(_DELAYS))})"]
    for i in reversed(chosen):
        body = [f"with TL[{i}]:", *("    " + line for line in body)]
    return body


def _job(draw: Draw, name: str, n_locks: int, into_loop: bool) -> list[str]:
    """A POOL job: locks in order around sleeps, then maybe (`into_loop`) a call into the
    loop."""
    body = _locks_in_order(draw, n_locks)
    if into_loop and draw(st.booleans()):
        body.append(f"r = asyncio.run_coroutine_threadsafe(ping({name!r}), LOOP).result()")
    else:
        body.append(f"r = {name!r}")
    if draw(st.booleans()):
        body += _locks_in_order(draw, n_locks)
    return [f"def {name}():", *("    " + line for line in body), "    return r", ""]


def _loop_thread_block(draw: Draw, n_locks: int, n_prod: int) -> list[str]:
    """Something the loop thread blocks on briefly that needs no loop to end."""
    k = draw(st.integers(0, n_prod - 1))
    return [
        draw(
            st.sampled_from(
                [
                    f"CF[{k}].result()  # a producer thread resolves it",
                    f"TE[{k}].wait()  # a producer thread sets it",
                    "SIDE.submit(time.sleep, 0.002).result()",
                    f"with TL[{draw(st.integers(0, n_locks - 1))}]:\n        pass",
                    "th = threading.Thread(target=time.sleep, args=(0.002,))\n"
                    "    th.start()\n    th.join()",
                ]
            )
        )
    ]


def _task_op(draw: Draw, jobs: list[str], n_locks: int, n_prod: int) -> list[str]:
    k = draw(st.integers(0, n_prod - 1))
    job = draw(st.sampled_from(jobs))
    choice = draw(st.integers(0, 8))
    if choice == 0:
        return [f"await asyncio.get_running_loop().run_in_executor(POOL, {job})"]
    if choice == 1:
        return [f"await asyncio.to_thread({job})"]
    if choice == 2:
        return [f"await asyncio.wrap_future(CF[{k}])"]
    if choice == 3:
        return [f"await asyncio.to_thread(TE[{k}].wait)"]
    if choice == 4:
        return [f"await AE[{k}].wait()"]
    if choice == 5:
        return _loop_thread_block(draw, n_locks, n_prod)
    if choice == 6:
        return [
            "side = threading.Thread(target=asyncio.run, args=(side_loop_main(),))",
            "side.start()",
            "await asyncio.to_thread(side.join)",
        ]
    if choice == 7:
        return [f"await asyncio.sleep({draw(st.sampled_from(_DELAYS))})"]
    return [f"POOL.submit({job})  # not awaited: main's shutdown waits for it"]


def _main(n_locks: int, n_prod: int, delays: list[str], n_tasks: int, workers: int) -> list[str]:
    producers = ", ".join(f"({k}, {delays[k]})" for k in range(n_prod))
    names = ", ".join(f"t{i}" for i in range(n_tasks))
    return [
        "async def main():",
        "    global POOL, SIDE, LOOP",
        "    LOOP = asyncio.get_running_loop()",
        f"    TL[:] = [threading.Lock() for _ in range({n_locks})]",
        f"    CF[:] = [concurrent.futures.Future() for _ in range({n_prod})]",
        f"    TE[:] = [threading.Event() for _ in range({n_prod})]",
        f"    AE[:] = [asyncio.Event() for _ in range({n_prod})]",
        f"    POOL = concurrent.futures.ThreadPoolExecutor(max_workers={workers})",
        "    SIDE = concurrent.futures.ThreadPoolExecutor(max_workers=1)",
        "    try:",
        "        producers = []",
        f"        for k, delay in [{producers}]:",
        "            producers.append(threading.Thread(target=producer, args=(k, delay)))",
        "            producers[-1].start()",
        f"        tasks = [asyncio.create_task(fn(), name=fn.__name__) for fn in ({names},)]",
        "        results = await asyncio.gather(*tasks)",
        "        for p in producers:  # each ends by itself: it waits for nothing",
        "            await asyncio.to_thread(p.join)",
        "        return results",
        "    finally:",
        "        await asyncio.to_thread(POOL.shutdown, True)",
        "        SIDE.shutdown(wait=True)",
        "",
        "",
        'if __name__ == "__main__":',
        "    print(asyncio.run(main()))",
    ]


@st.composite
def thread_completing_programs(draw: Draw, into_loop: bool = True) -> Program:
    """Tasks, executor jobs, producer threads and side loops that always complete.

    into_loop=False: no job waits for the loop (run_coroutine_threadsafe)."""
    n_locks = draw(st.integers(1, 3))
    n_prod = draw(st.integers(1, 3))
    n_tasks = draw(st.integers(1, 4))
    workers = draw(st.integers(1, 3))
    body: list[str] = []
    jobs = [f"job{j}" for j in range(draw(st.integers(1, 3)))]
    for name in jobs:
        body += _job(draw, name, n_locks, into_loop)
    body.append("")
    for i in range(n_tasks):
        ops: list[str] = []
        for _ in range(draw(st.integers(1, 4))):
            ops += _task_op(draw, jobs, n_locks, n_prod)
        body += [f"async def t{i}():", *("    " + line for line in ops), f"    return {i}", "", ""]
    delays = [draw(st.sampled_from(_DELAYS)) for _ in range(n_prod)]
    head = ["# family: threads-complete; expect: completes, no definite finding", *_HEAD]
    source = "\n".join(head + body + _main(n_locks, n_prod, delays, n_tasks, workers)) + "\n"
    return Program("threads-complete", None, source)


# -- loop-blocked: the loop thread waits for what only the loop could do -------------


#: The shapes of `_blocking_call` drawn. 2 (the loop waits for a job that waits for the
#: loop) is a cycle through an executor thread, not decided yet.
_SHAPES = (0, 1, 3, 4, 5)


def _blocking_call(draw: Draw) -> tuple[list[str], list[str]]:
    """(module-level definitions, the lines a task runs on the loop thread) of one way
    to block the loop thread forever on work only the loop could do."""
    shape = draw(st.sampled_from(_SHAPES))
    if shape == 0:  # a coroutine scheduled on this very loop, waited for synchronously
        return [], ["asyncio.run_coroutine_threadsafe(ping(1), LOOP).result()"]
    if shape == 1:  # a callback queued to this loop, waited for synchronously
        return [], [
            "done = concurrent.futures.Future()",
            "LOOP.call_soon_threadsafe(lambda: done.set_result(1))",
            "done.result()",
        ]
    if shape == 2:  # a pool job that waits for the loop, waited for on the loop thread
        return [
            "def needs_loop():",
            "    return asyncio.run_coroutine_threadsafe(ping(1), LOOP).result()",
            "",
        ], ["SIDE.submit(needs_loop).result()"]
    if shape == 3:  # a thread that waits for the loop, joined on the loop thread
        return [
            "def needs_loop():",
            "    return asyncio.run_coroutine_threadsafe(ping(1), LOOP).result()",
            "",
        ], ["th = threading.Thread(target=needs_loop, daemon=True)", "th.start()", "th.join()"]
    if shape == 4:  # a lock held by a thread that waits for the loop
        return [
            "def holds_and_needs_loop(started):",
            "    with TL[0]:",
            "        started.set()",
            "        asyncio.run_coroutine_threadsafe(ping(1), LOOP).result()",
            "",
        ], [
            "started = threading.Event()",
            "threading.Thread(target=holds_and_needs_loop, args=(started,), daemon=True).start()",
            "started.wait()",
            "with TL[0]:",
            "    pass",
        ]
    # a pool whose job waits for the loop, shut down (waiting) on the loop thread
    return [
        "def needs_loop():",
        "    return asyncio.run_coroutine_threadsafe(ping(1), LOOP).result()",
        "",
    ], [
        "pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)",
        "pool.submit(needs_loop)",
        "pool.shutdown(wait=True)",
    ]


@st.composite
def loop_blocked_programs(draw: Draw) -> Program:
    """One task blocks the loop thread, through 0-2 sync helpers, on work only the loop
    could do; completing thread noise runs beside it (DL106). No noise job waits for the
    loop: a thread blocked on the blocked loop hides the cause from the watchdog today."""
    noise = draw(thread_completing_programs(into_loop=False))
    defs, call = _blocking_call(draw)
    helpers: list[str] = []
    inner = call
    for level in range(draw(st.integers(0, 2))):
        helpers += [f"def helper{level}():", *("    " + line for line in inner), ""]
        inner = [f"helper{level}()"]
    delay = draw(st.sampled_from(("0", "0.01", "0.05")))
    blocker = [
        "async def blocker():",
        f"    await asyncio.sleep({delay})",
        *("    " + line for line in inner),
        "",
        "",
    ]
    source = noise.source.replace(
        "# family: threads-complete; expect: completes, no definite finding",
        f"# family: loop-blocked; expect: {LOOP_BLOCKED}",
    )
    cut = source.index("async def main():")
    extra = "\n".join([*defs, *helpers, *blocker])
    source = source[:cut] + extra + "\n" + source[cut:]
    source = source.replace("for fn in (", "for fn in (blocker, ")
    return Program("loop-blocked", LOOP_BLOCKED, source)

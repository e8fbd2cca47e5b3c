"""Threads stuck for good (each needs another of them), decided on hand-built nodes."""

from __future__ import annotations

from aiodeadlock.detectors.threadknot import explain_knot, knot, reportable, settle
from aiodeadlock.model.findings import LOOP_BLOCKED, ORPHANED_LOCK, WAIT_CYCLE, Resource
from aiodeadlock.model.location import Location
from aiodeadlock.model.threads import Actor, JobWait, Stuck, ThreadWait

W0, W1, LOOP, OTHER = 10, 11, 1, 99
NAMES = {W0: "pool_0", W1: "pool_1", LOOP: "MainThread", OTHER: "poller"}


def at(line: int) -> Location:
    return Location("app.py", line, "f")


def thread(tid: int) -> Actor:
    return Actor(f"H{tid:x}", f"thread {NAMES[tid]}", (at(tid),), at(tid), is_task=False)


def job_wait(tid: int, workers: tuple[int, ...] = (W0, W1)) -> Stuck:
    """`tid` waits in Future.result() for a job queued behind `workers`."""
    res = Resource(f"R{tid}", "concurrent.futures.Future", detail="job part() (app.py:3)")
    wait = ThreadWait(tid, thread(tid), "Future.result()", res, at(tid), None, None)
    job = JobWait(thread(tid), res, at(tid), workers, None, "its job is queued")
    return Stuck(tid, NAMES[tid], wait, frozenset(workers), anyone=True, jobs=(job,))


def rcts_wait(tid: int, loop: int, res: str, call: str = "concurrent.futures.wait()") -> Stuck:
    """`tid` waits on the future of a coroutine that only the loop of thread `loop` runs."""
    task = Actor(f"T{res}", f"fetch-{res}", (at(30),), at(30))
    wait = ThreadWait(
        tid,
        thread(tid),
        call,
        Resource(res, "concurrent.futures.Future"),
        at(tid),
        None,
        loop,
        task,
        why=f"only task 'fetch-{res}' can complete it",
    )
    return Stuck(tid, NAMES[tid], wait, frozenset({loop}))


def plain_wait(tid: int, res: str) -> Stuck:
    """`tid` waits on a plain future that any thread could set."""
    res_ = Resource(res, "concurrent.futures.Future")
    wait = ThreadWait(tid, thread(tid), "concurrent.futures.wait()", res_, at(tid), None, None)
    return Stuck(tid, NAMES[tid], wait, anyone=True)


def several(parts: list[Stuck], all_of: bool) -> Stuck:
    """One thread waiting on the futures of `parts` (all of them, or any one)."""
    first = parts[0]
    if all_of:
        return Stuck(first.thread, first.name, first.wait, futures=tuple(parts), all_of=True)
    needs = frozenset().union(*(p.needs for p in parts))
    anyone = any(p.anyone for p in parts)
    jobs = tuple(j for p in parts for j in p.jobs)
    return Stuck(
        first.thread, first.name, first.wait, needs, anyone, jobs=jobs, futures=tuple(parts)
    )


def object_wait(tid: int, call: str = "Semaphore.acquire()") -> Stuck:
    wait = ThreadWait(
        tid, thread(tid), call, Resource("RS", "threading.Semaphore"), at(5), None, None
    )
    return Stuck(tid, NAMES[tid], wait, anyone=True)


def asleep_loop(tid: int = LOOP) -> Stuck:
    task = Actor("T1", "main", (at(40),), at(40))
    return Stuck(tid, NAMES[tid], None, anyone=True, tasks=(task,), loop=True)


def test_workers_waiting_for_jobs_queued_behind_themselves_are_stuck() -> None:
    nodes = {W0: job_wait(W0), W1: job_wait(W1)}
    assert knot(nodes, frozenset({W0, W1})) == {W0, W1}


def test_a_queued_job_may_be_cancelled_by_any_thread_that_is_not_stuck() -> None:
    nodes = {W0: job_wait(W0), W1: job_wait(W1)}  # (shutdown(cancel_futures=True)...)
    assert knot(nodes, frozenset({W0, W1, OTHER})) == frozenset()


def test_a_worker_that_may_get_free_unsticks_the_others() -> None:
    nodes = {W0: job_wait(W0)}  # W1 is running (not a node): it may finish its job
    assert knot(nodes, frozenset({W0, W1})) == frozenset()


def test_a_thread_waiting_for_anyone_needs_every_other_live_thread_stuck() -> None:
    nodes = {W0: job_wait(W0), W1: object_wait(W1), LOOP: asleep_loop()}
    assert knot(nodes, frozenset({W0, W1, LOOP})) == {W0, W1, LOOP}
    # one more live thread that is not stuck (it may release the semaphore, wake the loop)
    assert knot(nodes, frozenset({W0, W1, LOOP, OTHER})) == frozenset()


def test_needing_nobody_in_particular_is_not_stuck() -> None:
    wait = job_wait(W0).wait
    nodes = {W0: Stuck(W0, "pool_0", wait, frozenset())}  # (and not anyone)
    assert knot(nodes, frozenset({W0})) == frozenset()


def test_only_a_knot_with_a_named_wait_is_reported() -> None:
    join = ThreadWait(W0, thread(W0), "Thread.join()", Resource("RT", "Thread"), at(7), None, LOOP)
    joins = {W0: Stuck(W0, "pool_0", join, frozenset({LOOP})), LOOP: asleep_loop()}
    assert not reportable(joins, frozenset(joins))  # a stall: the loop reports it
    anyone = {W1: object_wait(W1), LOOP: asleep_loop()}
    assert not reportable(anyone, frozenset(anyone))  # a hang, but nobody to name
    pool = {W0: job_wait(W0), W1: object_wait(W1), LOOP: asleep_loop()}
    assert reportable(pool, frozenset(pool))


def test_pool_exhaustion_is_a_wait_cycle_naming_threads_jobs_and_lines() -> None:
    nodes = {W0: job_wait(W0), W1: object_wait(W1), LOOP: asleep_loop()}
    finding = explain_knot(nodes, frozenset(nodes), NAMES)
    assert finding.kind is WAIT_CYCLE and finding.definite
    assert finding.location == at(W0)  # the wait for named threads comes first
    assert finding.message.startswith("3 thread(s) wait for each other")
    expected = (
        "thread pool_0 is blocked at app.py:10 in Future.result() on "
        "concurrent.futures.Future: its job is queued"
    )
    assert expected in finding.message
    assert "thread pool_1 is blocked at app.py:5 in Semaphore.acquire()" in finding.message
    assert "the event loop of thread 'MainThread' sleeps" in finding.message
    runs = [e for e in finding.edges if e.relation == "runs"]
    assert {e.holder for e in runs} == {f"H{W0:x}", f"H{W1:x}"}
    reports = {t.key: t for t in finding.tasks}
    assert reports[f"H{W0:x}"].actor == "thread" and reports[f"H{W0:x}"].waits_for == "R10"
    assert reports["T1"].actor == "task" and reports["T1"].stack == (at(40),)


def test_a_blocked_loop_thread_in_the_knot_is_loop_blocked() -> None:
    main = Actor("T1", "main", (at(20),), at(20))
    res = Resource("RF", "concurrent.futures.Future")
    wait = ThreadWait(LOOP, main, "Future.result()", res, at(20), None, W0, why="needs W0")
    nodes = {LOOP: Stuck(LOOP, "MainThread", wait, frozenset({W0}), loop=True)}
    nodes[W0] = job_wait(W0, workers=(W0,))
    nodes[W0] = Stuck(W0, "pool_0", nodes[W0].wait, frozenset({LOOP}))
    finding = explain_knot(nodes, frozenset(nodes), NAMES)
    assert finding.kind is LOOP_BLOCKED and finding.definite
    assert finding.location == at(20)
    assert "Task 'main' on thread 'MainThread' is blocked at app.py:20" in finding.message


def test_a_lone_thread_waiting_for_anyone_with_nobody_else_alive_is_stuck() -> None:
    assert knot({W1: object_wait(W1)}, frozenset({W1})) == {W1}


def test_a_lock_taken_for_a_cancelled_task_is_an_orphaned_lock() -> None:
    wait = ThreadWait(
        W0,
        thread(W0),
        "Lock.acquire()",
        Resource("RL", "threading.Lock", "cache"),
        None,
        None,
        None,
    )
    taken = ("second", at(12), "pool_1")
    nodes = {W0: Stuck(W0, "pool_0", wait, anyone=True, orphaned_for=taken), LOOP: asleep_loop()}
    assert knot(nodes, frozenset(nodes)) == {W0, LOOP}
    assert reportable(nodes, frozenset(nodes))
    finding = explain_knot(nodes, frozenset(nodes), NAMES)
    assert finding.kind is ORPHANED_LOCK and finding.definite
    assert finding.location == at(12)  # where the cancelled task awaited the lock's job
    assert "for task 'second', which was cancelled while the job waited" in finding.message
    (edge,) = [e for e in finding.edges if e.resource == "RL"]
    cancelled = next(t for t in finding.tasks if t.key == edge.holder)
    assert cancelled.name == "second" and cancelled.ended == "cancelled"


def test_two_threads_holding_the_lock_the_other_wants_show_who_holds_what() -> None:
    def lock_wait(tid: int, other: int, res: str, since: int) -> Stuck:
        wait = ThreadWait(
            tid,
            thread(tid),
            "Lock.acquire()",
            Resource(res, "threading.Lock"),
            at(tid),
            None,
            other,
            thread(other),
            at(since),
        )
        return Stuck(tid, NAMES[tid], wait, frozenset({other}))

    nodes = {W0: lock_wait(W0, W1, "RA", 3), W1: lock_wait(W1, W0, "RB", 4)}
    members = knot(nodes, frozenset({W0, W1, OTHER}))  # (another thread runs: no matter)
    assert members == {W0, W1} and reportable(nodes, members)
    finding = explain_knot(nodes, members, NAMES)
    assert finding.kind is WAIT_CYCLE
    holds = {t.key: [(h.resource, h.since) for h in t.holds] for t in finding.tasks}
    assert holds == {f"H{W0:x}": [("RB", at(4))], f"H{W1:x}": [("RA", at(3))]}


def test_a_wait_for_all_futures_is_stuck_if_any_one_is() -> None:
    # W0 waits for all of: a coroutine of the loop W1 runs (W1 is stuck, needing W0) and a
    # plain future another live thread could set
    node = several([plain_wait(W0, "RP"), rcts_wait(W0, W1, "RC")], all_of=True)
    peer = Stuck(W1, NAMES[W1], None, frozenset({W0}))
    nodes = {W0: node, W1: peer}
    live = frozenset({W0, W1, OTHER})
    members = knot(nodes, live)
    assert members == {W0, W1}  # the coroutine's future is never done: nor is the wait
    settled = settle(nodes, members, live)
    assert settled[W0].wait is not None and settled[W0].wait.resource.key == "RC"
    assert not settled[W0].futures and reportable(settled, members)
    finding = explain_knot(settled, members, NAMES)
    assert finding.kind is WAIT_CYCLE
    assert "thread pool_0 is blocked at app.py:10 in concurrent.futures.wait()" in finding.message
    assert "only task 'fetch-RC' can complete it" in finding.message
    # with the loop's thread not stuck, the coroutine may end: then only the plain one is
    # left, which the live thread could set
    assert knot({W0: node}, live) == frozenset()


def test_a_wait_for_any_future_is_stuck_only_if_every_one_is() -> None:
    peer = Stuck(W1, NAMES[W1], None, frozenset({W0}))
    live = frozenset({W0, W1, OTHER})
    mixed = several([plain_wait(W0, "RP"), rcts_wait(W0, W1, "RC")], all_of=False)
    assert mixed.anyone and mixed.needs == {W1}
    assert knot({W0: mixed, W1: peer}, live) == frozenset()  # OTHER could set the plain one
    assert knot({W0: mixed, W1: peer}, frozenset({W0, W1})) == {W0, W1}  # nobody else lives
    both = several([rcts_wait(W0, W1, "RA"), rcts_wait(W0, LOOP, "RB")], all_of=False)
    assert both.needs == {W1, LOOP} and not both.anyone
    assert knot({W0: both, W1: peer}, live) == frozenset()  # LOOP may run its coroutine
    loop = Stuck(LOOP, NAMES[LOOP], None, frozenset({W0}), loop=True)
    nodes = {W0: both, W1: peer, LOOP: loop}
    members = knot(nodes, live)
    assert members == {W0, W1, LOOP}
    settled = settle(nodes, members, live)
    assert settled[W0] is both  # (any of: nothing to narrow)
    finding = explain_knot(settled, members, NAMES)
    assert "in concurrent.futures.wait() on 2 futures" in finding.message
    finishes = {(e.resource, e.holder) for e in finding.edges if e.waiter == f"H{W0:x}"}
    assert finishes == {("RA", "TRA"), ("RB", "TRB")}  # an edge to each future's task
    assert {"RA", "RB"} <= {r.key for r in finding.resources}


def test_a_wait_for_any_of_several_queued_jobs_names_each_job() -> None:
    parts = [job_wait(W0), job_wait(W0)]
    parts[1] = Stuck(
        W0,
        NAMES[W0],
        parts[1].wait,
        parts[1].needs,
        True,
        jobs=(
            JobWait(
                thread(W0),
                Resource("R2", "concurrent.futures.Future"),
                at(W0),
                (W0, W1),
                None,
                "queued too",
            ),
        ),
    )
    node = several(parts, all_of=False)
    nodes = {W0: node, W1: job_wait(W1)}
    members = knot(nodes, frozenset({W0, W1}))
    assert members == {W0, W1} and reportable(nodes, members)
    finding = explain_knot(settle(nodes, members, frozenset({W0, W1})), members, NAMES)
    runs = {(e.resource, e.holder) for e in finding.edges if e.relation == "runs"}
    assert {("R10", f"H{W0:x}"), ("R2", f"H{W1:x}"), ("R11", f"H{W1:x}")} <= runs

"""Decide whether threads (and the loops they run) are stuck for good, each needing another."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace

from aiodeadlock.model.findings import (
    LOOP_BLOCKED,
    ORPHANED_LOCK,
    WAIT_CYCLE,
    Edge,
    Finding,
    Hold,
    Resource,
    TaskReport,
)
from aiodeadlock.model.threads import Actor, JobWait, Stuck, ThreadWait


def knot(nodes: Mapping[int, Stuck], live: frozenset[int]) -> frozenset[int]:
    """The threads of `nodes` that can never go on: the largest set in which every thread
    needs only threads of the set (an `anyone` thread: every other live thread; a wait on
    all of several futures: what one of them needs).

    `live`: the program's threads that could act. A thread not in `nodes` may go on, so
    whoever needs it is not stuck.
    """
    members = set(nodes)
    changed = True
    while changed:
        changed = False
        for tid in sorted(members):
            if _holding(nodes[tid], members, live) is None:
                members.discard(tid)
                changed = True
    return frozenset(members)


def settle(
    nodes: Mapping[int, Stuck], members: frozenset[int], live: frozenset[int]
) -> dict[int, Stuck]:
    """`nodes`, each member that waits on all of several futures narrowed to one of them
    that keeps it stuck in the knot `members` (what a report names)."""
    settled = dict(nodes)
    for tid in members:
        node = _holding(nodes[tid], members, live)
        if node is not None:
            settled[tid] = node
    return settled


def _holding(node: Stuck, members: AbstractSet[int], live: frozenset[int]) -> Stuck | None:
    """`node` (or, for a wait on all of several futures, the first of them) if it needs
    only `members`, else None."""
    for one in node.futures if node.all_of else (node,):
        needs = one.needs | (live - {one.thread} if one.anyone else frozenset())
        if (needs or one.anyone) and needs <= members:
            return one
    return None


def reportable(nodes: Mapping[int, Stuck], members: frozenset[int]) -> bool:
    """A knot this detector reports: one thread in it waits for named threads (not just
    any) in a call other than a join: a lock's holder, the loop that would resolve a
    future, a pool's workers; or for a lock taken for a cancelled task. (A loop asleep
    while threads join it is a stall, which the loop reports itself; waits that anyone
    could end prove a hang, not who causes it.)"""
    for tid in members:
        node = nodes[tid]
        if node.orphaned_for is not None:
            return True  # a lock taken for a cancelled task: nobody holds it to release it
        if node.wait is not None and node.jobs:
            return True  # a job that needs a worker of its pool
        if node.wait is not None and not node.anyone and node.wait.call != "Thread.join()":
            return True
    return False


def _order(nodes: Mapping[int, Stuck], members: frozenset[int]) -> list[Stuck]:
    """The members along the waits: from a blocked loop thread if any, else a thread
    that waits for named threads, each followed by a thread it needs."""

    def rank(t: int) -> tuple[int, int]:
        n = nodes[t]
        if n.wait is None:
            return (3, t)
        named = not n.anyone or n.jobs or n.orphaned_for is not None
        return (0 if n.loop else 1 if named else 2, t)

    todo = sorted(members, key=rank)
    order: list[Stuck] = []
    while todo:
        node = nodes[todo.pop(0)]
        while True:
            order.append(node)
            nxt = _next(node, [t for t in todo if t in members])
            if nxt is None:
                break
            todo.remove(nxt)
            node = nodes[nxt]
    return order


def _next(node: Stuck, todo: list[int]) -> int | None:
    wanted = set(node.needs)
    for job in node.jobs:
        wanted.update(job.workers if job.running is None else (job.running,))
    return next((t for t in todo if t in wanted), todo[0] if node.anyone and todo else None)


def _thread_actor(tid: int, name: str) -> Actor:
    return Actor(f"H{tid:x}", f"thread {name}", is_task=False)


def explain_knot(
    nodes: Mapping[int, Stuck], members: frozenset[int], names: Mapping[int, str]
) -> Finding:
    """The finding for the stuck `members` (`names`: every thread's name by ident)."""
    order = _order(nodes, members)
    edges: list[Edge] = []
    reports: dict[str, TaskReport] = {}
    resources: dict[str, Resource] = {}
    parts: list[str] = []
    orphans: list[Stuck] = []
    holds: dict[str, list[Hold]] = {}  # what each holder holds (a threading lock's owner)

    def report(actor: Actor, state: str, waits: Resource | None = None) -> None:
        if actor.key in reports and (waits is None or reports[actor.key].waits_for):
            return
        reports[actor.key] = TaskReport(
            key=actor.key,
            name=actor.name,
            state=state,
            waits_for=waits.key if waits else None,
            waits_at=actor.waits_at,
            stack=actor.stack,
            actor="task" if actor.is_task else "thread",
        )

    def job_edges(job: JobWait) -> None:
        resources[job.resource.key] = job.resource
        runners = (job.running,) if job.running is not None else job.workers
        for w in runners:
            worker = _thread_actor(w, names.get(w, f"{w:#x}"))
            edges.append(Edge(job.waiter.key, job.resource.key, job.at, worker.key, None, "runs"))
            report(worker, "blocked")

    def future_edge(wait: ThreadWait) -> None:
        resources[wait.resource.key] = wait.resource
        holder = wait.holder
        key = holder.key if holder is not None else None
        edges.append(Edge(wait.waiter.key, wait.resource.key, wait.at, key, None, "finishes"))
        if holder is not None:
            report(holder, "waiting")

    for node in order:
        wait = node.wait
        if wait is None:
            waiting = ", ".join(repr(a.name) for a in node.tasks[:3]) or "no task"
            more = f" and {len(node.tasks) - 3} more" if len(node.tasks) > 3 else ""
            parts.append(
                f"the event loop of thread {node.name!r} sleeps with nothing of its own to "
                f"wake it (tasks {waiting}{more} wait), and only another thread could"
            )
            for actor in node.tasks:
                report(actor, "waiting")
            for job in node.jobs:
                report(job.waiter, "waiting", job.resource)
                where = f" at {job.at.short()}" if job.at else ""
                parts.append(
                    f"Task {job.waiter.name!r} waits{where} for {job.resource.label()}: {job.why}"
                )
                job_edges(job)
            continue
        waiter = wait.waiter
        resources[wait.resource.key] = wait.resource
        report(waiter, "blocked", wait.resource)
        where = f" at {wait.at.short()}" if wait.at else ""
        on = "" if waiter.is_task is False else f" on thread {node.name!r}"
        why = node.jobs[0].why if node.jobs and not node.futures else wait.why
        if node.orphaned_for is not None:
            task, asked, worker = node.orphaned_for
            awaited = f" (it awaited that job at {asked.short()})" if asked else ""
            why = (
                f"thread {worker} took it, as a job, for task {task!r}, which was cancelled "
                f"while the job waited for the lock{awaited}: the task never learnt it holds "
                "the lock, so nobody will release it"
            )
            orphans.append(node)
        elif node.anyone and not node.jobs:
            why = (
                "only another thread could end the wait (release, set or fill it), and "
                "every other thread is stuck"
            )
        label = f"{len(node.futures)} futures" if node.futures else wait.resource.label()
        parts.append(f"{waiter.title()}{on} is blocked{where} in {wait.call} on {label}: {why}")
        for part in node.futures:  # any one of them would end the wait: each one's edge
            if part.jobs:
                job_edges(part.jobs[0])
            elif part.wait is not None:
                future_edge(part.wait)
        if node.futures:
            continue
        if node.jobs:
            job_edges(node.jobs[0])
            continue
        holder = wait.holder
        if node.orphaned_for is not None:
            task, asked, _ = node.orphaned_for
            holder = Actor(f"C{wait.resource.key}", task, (asked,) if asked else (), asked)
            reports[holder.key] = TaskReport(
                key=holder.key,
                name=task,
                state="ended",
                stack=holder.stack,
                ended="cancelled",
                ended_at=asked,
            )
            edges.append(Edge(waiter.key, wait.resource.key, wait.at, holder.key, asked))
            continue
        relation = "holds" if wait.since is not None else "finishes"
        edges.append(
            Edge(
                waiter.key,
                wait.resource.key,
                wait.at,
                holder.key if holder else None,
                wait.since,
                relation,
            )
        )
        if holder is not None:
            report(holder, "waiting")
            if wait.since is not None:
                holds.setdefault(holder.key, []).append(Hold(wait.resource.key, wait.since))
    for key, held in holds.items():
        if key in reports:
            reports[key] = replace(reports[key], holds=tuple(held))
    blocked_loop = any(n.loop and n.wait is not None for n in order)
    kind = ORPHANED_LOCK if orphans else LOOP_BLOCKED if blocked_loop else WAIT_CYCLE
    threads = len(order)
    head = f"{threads} thread(s) wait for each other and none can ever go on: "
    notes: tuple[str, ...] = (
        "each thread named here waits for something only another of them could do, and "
        "every one of them is blocked (a pool's queued job needs one of its workers free)",
    )
    if orphans:
        head = (
            "a threading lock taken for a cancelled task is never released, and "
            f"{threads} thread(s) wait for it or for each other: "
        )
        notes = (
            "run_in_executor(..., lock.acquire) / to_thread(lock.acquire) went on in the "
            "pool thread after the awaiting task was cancelled; every other thread is "
            "blocked, so nothing can release the lock",
            "fix: release the lock when such a job ends after a cancel (keep the "
            "concurrent future and add a done callback), or acquire with a timeout",
        )
    message = head + "; ".join(parts)
    places = [n.wait.at for n in order if n.wait is not None]
    places += [j.at for n in order for j in n.jobs]
    places += [n.orphaned_for[1] for n in order if n.orphaned_for is not None]
    first = next((p for p in places if p is not None), None)
    return Finding(
        kind,
        message,
        first,
        tuple(edges),
        tuple(reports.values()),
        tuple(resources.values()),
        notes,
    )

"""When to look for deadlocks in a loop, and what counts as one: cycles, orphans, stalls.

A new deadlock is closed by a task that parks. Locks are checked right then, in the task
(`at_park`); waits on tasks, gather, TaskGroup... are found by scans of the loop's waiting
tasks: when the loop is about to sleep with nothing to do (`idle`), now and then while it
is busy (`between`, paced to stay near 2% of the loop's time), and before a stall is
reported. A stall is reported once the loop has had nothing left to run for a grace period.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from aiodeadlock.detectors.cancels import Cancelled, cancel_ignored, ignored, stall_note
from aiodeadlock.detectors.deadlock import Deadlock, Step, find_deadlock
from aiodeadlock.detectors.explain import explain
from aiodeadlock.detectors.facts import LoopFacts, TaskGraph
from aiodeadlock.detectors.stall import explain_stall
from aiodeadlock.detectors.stallcycle import find_stall_cycle, unproven_note
from aiodeadlock.model.findings import Finding
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import ResourceNode, TaskNode, WakeSet

#: Deadlocks not reported yet that the next scan of parked tasks reads again, at most.
RECHECK_LIMIT = 1000
#: Seconds between two scans of a busy loop at least (grown when scans are expensive).
MIN_PERIOD = 0.5
#: Scans take at most 1/SCAN_SHARE of the loop's time.
SCAN_SHARE = 50
#: Seconds between two looks at a busy loop's number of tasks.
COUNT_PERIOD = 0.1
#: Other tasks waiting on a deadlock's resources that its finding names, at most.
COLLATERAL_LIMIT = 20
#: Resources of a stall whose possible wakers are looked for, at most (each costs walks
#: of the heap).
WAKE_LIMIT = 8


@dataclass(frozen=True)
class Verdict:
    """A deadlock found from outside its tasks, and the tasks that could be told (on the
    cycle, so that raising in one of them breaks it)."""

    finding: Finding
    victims: list[object]


class Scanner:
    """The scan policy of one detector, and what it remembers between scans.

    `act(facts, verdict)` is called with each deadlock found from a scan (from the loop's
    own thread); `grace` is read from `config` each time (it may be changed meanwhile).
    """

    def __init__(
        self, act: Callable[[LoopFacts, Verdict], None], grace: Callable[[], float]
    ) -> None:
        self.act = act
        self.grace = grace
        #: When each (task, resource) wait on a lock held by a finished task was first seen.
        self.orphan_waits: dict[tuple[str, str], float] = {}
        #: Tasks of deadlocks not reported yet (a callback might still end them, an
        #: orphaned lock's grace period runs): read again by the next scan.
        self.rechecks: dict[int, object] = {}
        self.period = MIN_PERIOD
        self.next_scan = 0.0
        self.next_count = 0.0
        self.scanned_at = -1  # loop iterations (all loops) at the last scan
        #: `(facts, at_least) -> the loop's tasks cancelled at least that many seconds ago`
        #: (set by the detector; None: cancels are not looked at), and where the potential
        #: findings made from them go.
        self.cancels: Callable[[LoopFacts, float], Sequence[Cancelled]] | None = None
        #: `facts -> when the oldest cancel request on the loop that no check has read a
        #: grace period after it was made` (None: none): a check is due then, even between
        #: two full scans.
        self.cancel_unread: Callable[[LoopFacts], float | None] = lambda facts: None
        self.note: Callable[[Finding], None] = lambda finding: None
        #: Where a finished task (a handle of the graph) ended, when it is known.
        self.ended_at: Callable[[object], Location | None] = lambda handle: None

    @property
    def due(self) -> float:
        """When the next periodic look at a busy loop is due."""
        return min(self.next_scan, self.next_count)

    # a task about to park on a lock or semaphore ---------------------------------------

    def at_park(self, facts: LoopFacts, task: object, prim: object) -> Finding | None:
        """The finding if `task`, about to park on `prim`, would wait forever."""
        if facts.holders_may_run(prim):
            return None  # the usual case: whoever holds it is busy, sleeping or doing I/O
        if facts.bound_elsewhere(prim):
            return None  # asyncio itself will refuse this wait
        # A cheap pass first: most contended waits are not deadlocks. Only then look at
        # pending callbacks (which may release the lock) and read the tasks' stacks.
        quick = facts.graph(task, stacks=False, wakers=False)
        if find_deadlock(quick, quick.add_task(task), orphans=False) is None:
            return None
        graph = facts.graph(task)
        deadlock = find_deadlock(graph, graph.add_task(task), orphans=False)
        if deadlock is None or self.may_be_released(facts, deadlock, graph, task):
            return None
        return self.explain(facts, deadlock, graph, collateral=False)

    def explain(
        self, facts: LoopFacts, deadlock: Deadlock, graph: TaskGraph, collateral: bool = True
    ) -> Finding:
        """The finding of a deadlock, with where its finished tasks ended and (`collateral`,
        from scans) the other tasks that wait on what its tasks hold, each where it waits.
        (A task about to park reads no other tasks: that is a scan's work.)"""
        ends = {}
        for node in deadlock.ended:
            at = self.ended_at(graph.handle(node.key))
            if at is not None:
                ends[node.key] = at
        stuck = {s.task.key for s in deadlock.steps} | {n.key for n in deadlock.ended}
        waiting: list[Step] = []
        # (not read on a loop of many tasks, which records the ones that park instead)
        others = [] if not collateral or facts.recording_parked() else facts.unfinished()
        for other in others:
            if len(waiting) >= COLLATERAL_LIMIT:
                break
            key = graph.add_task(other)
            if key in stuck or not facts.may_wait_for_tasks(other):
                continue
            node = graph.task(key)
            if node.waits is None:
                continue
            res = graph.resource(node.waits.resource)
            mine = tuple(h for h in res.holders if h.task in stuck)
            if mine and res.exclusive:
                waiting.append(Step(graph.with_stack(node), res, mine))
        return explain(deadlock, ends, waiting)

    def may_be_released(
        self, facts: LoopFacts, deadlock: Deadlock, graph: TaskGraph, current: object
    ) -> bool:
        """Could a task outside the deadlock, or another thread, release one of its locks?

        asyncio lets any task release a lock (one used as a signal, or handed over), so
        a lock taken by `acquire()` that another thread, or a task not itself stuck, has
        in a local variable may be released: the lock is then marked as shared, and its
        ownership no longer counts. Locks held by `async with` blocks are left out: only
        their holder can release them.
        """
        rkeys = [s.resource.key for s in deadlock.steps if graph.handed_over(s.resource.key)]
        if not rkeys:
            return False
        prims = graph.primitives(rkeys)
        if facts.threads_holding(prims):
            facts.mark_shared(prims)
            return True
        stuck = {s.task.key for s in deadlock.steps}
        for other in facts.tasks_holding(prims, skip=current):
            key = graph.add_task(other)
            if key not in stuck and find_deadlock(graph, key) is None:
                facts.mark_shared(prims)
                return True
        return False

    # scans -----------------------------------------------------------------------------

    def cycles(
        self, facts: LoopFacts, orphans_after: float, only: list[object] | None = None
    ) -> Verdict | None:
        """The first deadlock among the loop's suspended tasks (or among `only`, the tasks
        that parked since the last scan, and those of deadlocks still pending).

        A wait on a lock whose holder has finished counts only once it has lasted
        `orphans_after` seconds (0 when the loop can run nothing else at all).
        """
        graph = facts.graph(stacks=False, wakers=False)
        checked: TaskGraph | None = None
        now = facts.now()
        seen: dict[tuple[str, str], float] = {}
        if only is None:
            tasks = facts.unfinished()
            facts.record_parked(len(tasks))
            facts.parked()  # every task is read now
            self._take_rechecks(facts)
        else:
            tasks = only + [t for t in self._take_rechecks(facts) if not facts.done(t)]
        for task in tasks:
            if not facts.may_wait_for_tasks(task):
                continue
            key = graph.add_task(task)
            node = graph.task(key)
            if node.waits is None or not graph.resource(node.waits.resource).exclusive:
                continue
            if find_deadlock(graph, key) is None:
                continue
            if facts.recording_parked() and len(self.rechecks) < RECHECK_LIMIT:
                self.rechecks[id(task)] = task  # (full scans find it again anyway)
            if checked is None:  # confirm, now looking at pending callbacks too
                checked = facts.graph(stacks=False)
            deadlock = find_deadlock(checked, checked.add_task(task))
            if deadlock is None or self.may_be_released(facts, deadlock, checked, None):
                continue
            if deadlock.ended:
                wait = (key, node.waits.resource)
                seen[wait] = since = self.orphan_waits.get(wait, now)
                if now - since < orphans_after:
                    continue
            self.rechecks.pop(id(task), None)
            finding = self.explain(facts, _with_stacks(deadlock, checked), checked)
            # Raise mode puts the error into a task on the cycle, never into one that only
            # waits on it (the cycle would stay, and asyncio.run's cleanup would recurse).
            on_cycle = list(finding.members) or [s.task.key for s in deadlock.steps]
            return Verdict(finding, [checked.handle(k) for k in on_cycle])
        if only is None:
            self.orphan_waits.clear()
        self.orphan_waits.update(seen)
        return None

    def _take_rechecks(self, facts: LoopFacts) -> list[object]:
        """Remove and return the loop's tasks among the rechecks (other loops share them)."""
        mine = [t for t in list(self.rechecks.values()) if facts.on_this_loop(t)]
        for task in mine:
            self.rechecks.pop(id(task), None)
        return mine

    def _scan(self, facts: LoopFacts) -> None:
        """A full scan now; the next one is paced so that scans stay cheap."""
        self.scanned_at = facts.ticks()
        start = facts.now()
        verdict = self.cycles(facts, orphans_after=self.grace())
        end = facts.now()
        # Keep scanning below ~2% of the loop's time, whatever the number of tasks.
        if verdict is None:
            self.check_cancels(facts)
            end = facts.now()
        self.period = max(MIN_PERIOD, (end - start) * SCAN_SHARE)
        self.next_scan = end + self.period
        if verdict is not None:
            self.act(facts, verdict)

    def check_cancels(self, facts: LoopFacts, at_least: float | None = None) -> list[Cancelled]:
        """Note a cancel-ignored finding (DL108) for each task cancelled a grace period ago
        that went on and is waited for; return every cancelled task at least `at_least`
        seconds old (default: the grace period)."""
        if self.cancels is None:
            return []
        grace = self.grace()
        pending = list(self.cancels(facts, grace if at_least is None else at_least))
        for p in ignored([p for p in pending if p.pending_for >= grace]):
            self.note(cancel_ignored(p, grace))
        return pending

    def _scan_soon(self, facts: LoopFacts) -> None:
        """The loop goes idle but is not stalled: a scan soon if anything happened since
        the last one (so an idle loop is not woken forever)."""
        if facts.ticks() - self.scanned_at <= 2:
            return
        facts.call_later(
            "scan", max(0.0, self.next_scan - facts.now()), lambda _: self._scan(facts)
        )

    # the loop's hook -------------------------------------------------------------------

    def idle(self, facts: LoopFacts) -> None:
        """The loop is about to sleep with no timeout: look for cycles, and for a stall."""
        grace = self.grace()
        facts.record_parked(facts.task_count())
        parked = facts.parked()
        reason = facts.why_not_stalled()
        if reason is not None:
            if parked is not None and self._found(facts, self.cycles(facts, grace, parked)):
                return
            if facts.now() >= self.next_scan:
                self._scan(facts)
            else:
                self._scan_soon(facts)
            if facts.only_threads(reason):  # nothing tells an idle loop that a thread ended
                facts.call_later("grace", grace, lambda _: self.stall_check(facts))
            return
        if parked is None:
            if not facts.unfinished():
                return
            if self._found(facts, self.cycles(facts, orphans_after=0.0)):
                return
        elif self._found(facts, self.cycles(facts, 0.0, parked)) or not facts.task_count():
            return
        if not facts.recording_parked():  # (a loop of many tasks: at full scans only)
            self.check_cancels(facts)  # (dates the cancels no request was seen of)
        facts.call_later("grace", grace, lambda _: self.stall_check(facts))

    def between(self, facts: LoopFacts, pausing: bool) -> None:
        """Periodic work of a loop that is not idle: a full scan when one is due, a count of
        its tasks now and then, a check of each cancel request a grace period after it was
        made, and (when it pauses) a read of the tasks that parked."""
        now = facts.now()
        if now >= self.next_scan:
            self._scan(facts)
            return
        unread = self.cancel_unread(facts)
        if unread is not None and now - unread >= self.grace():
            self.check_cancels(facts)
        if now >= self.next_count:
            self.next_count = now + COUNT_PERIOD
            if not facts.recording_parked():
                facts.record_parked(facts.task_count())
                if facts.recording_parked():  # it has many tasks now: read them all once
                    self._scan(facts)
                    return
        if pausing and facts.recording_parked():
            parked = facts.parked()
            if parked:
                self._found(facts, self.cycles(facts, self.grace(), parked))

    def stall_check(self, facts: LoopFacts) -> None:
        """A grace period after the loop went idle: is it still stalled?"""
        grace = self.grace()
        reason = facts.why_not_stalled()
        if reason is not None:
            if facts.only_threads(reason) and facts.unfinished():
                # Ask again later: the loop sleeps on, and a thread that ends does not wake it.
                facts.call_later("grace", grace, lambda _: self.stall_check(facts))
            return
        tasks = facts.unfinished()
        if not tasks:
            return
        if self._found(facts, self.cycles(facts, orphans_after=0.0)):
            return  # a cycle the last scans did not see (they read parked tasks only, or
            # the loop went idle while another thread was still finishing its work)
        cancelled = self.check_cancels(facts, at_least=0.0)
        graph = facts.graph()
        nodes = [graph.task(graph.add_task(t)) for t in tasks]
        resources = {n.waits.resource: graph.resource(n.waits.resource) for n in nodes if n.waits}
        wakes = self._wakes(facts, graph, nodes, resources)
        cycle = find_stall_cycle(graph, nodes, wakes)
        if cycle is not None and cycle.proven:
            finding = cycle.finding
            victims = [graph.handle(k) for k in finding.members] or tasks
            self.act(facts, Verdict(finding, victims))
            return
        finding = explain_stall(nodes, resources, grace, wakes)
        if cycle is not None:
            finding = replace(finding, notes=(*finding.notes, unproven_note(cycle)))
        stalled = {n.key for n in nodes}
        notes = tuple(stall_note(p) for p in cancelled if p.key in stalled)
        if notes:
            finding = replace(finding, notes=finding.notes + notes)
        self.act(facts, Verdict(finding, tasks))

    def _wakes(
        self,
        facts: LoopFacts,
        graph: TaskGraph,
        nodes: Sequence[TaskNode],
        resources: dict[str, ResourceNode],
    ) -> dict[str, WakeSet]:
        """Who could set or fill each resource the stalled tasks wait on (if tasks can)."""
        waiters: dict[str, set[str]] = {}
        for n in nodes:
            res = resources[n.waits.resource] if n.waits is not None else None
            if n.waits is not None and res is not None and not (res.exclusive and res.holders):
                waiters.setdefault(n.waits.resource, set()).add(n.key)
        wakes = {}
        for rkey, keys in list(waiters.items())[:WAKE_LIMIT]:
            wake = facts.wakers(graph, rkey, keys)
            if wake is not None:
                wakes[rkey] = wake
        return wakes

    def _found(self, facts: LoopFacts, verdict: Verdict | None) -> bool:
        if verdict is None:
            return False
        self.act(facts, verdict)
        return True


def _with_stacks(deadlock: Deadlock, graph: TaskGraph) -> Deadlock:
    """The deadlock with every task's await stack read (scans build nodes without)."""
    steps = tuple(replace(s, task=graph.with_stack(s.task)) for s in deadlock.steps)
    return replace(deadlock, steps=steps)

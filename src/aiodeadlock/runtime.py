"""The active detector: installs the instrumentation and routes what it sees to a session."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from aiodeadlock.detectors.deadlock import Deadlock, find_deadlock
from aiodeadlock.detectors.explain import explain
from aiodeadlock.detectors.stall import explain_stall
from aiodeadlock.errors import DeadlockError
from aiodeadlock.instrument import loophook, ordering, primitives, taskstate, waits, watchdog
from aiodeadlock.instrument.introspect import tasks_referencing, threads_referencing
from aiodeadlock.instrument.livegraph import LiveGraph
from aiodeadlock.instrument.patching import Patcher
from aiodeadlock.instrument.primitives import is_owned_primitive
from aiodeadlock.instrument.waits import may_be_exclusive
from aiodeadlock.instrument.wakeup import raise_in
from aiodeadlock.model.findings import Finding
from aiodeadlock.session import Config, Session

_patcher = Patcher(primitives.PATCHES + loophook.PATCHES + waits.PATCHES)
_guard = threading.RLock()
_session: Session | None = None
_disabled_by_error = False


def active_session() -> Session | None:
    """The session findings go to, or None when not installed."""
    return _session


def install(config: Config | None = None) -> Session:
    """Patch asyncio's primitives (idempotent) and start a session; return it.

    Calling it again while installed keeps the instrumentation and, if `config` is
    given, switches the session's settings.
    """
    global _session, _disabled_by_error
    with _guard:
        if _session is None:
            _session = Session(config or Config())
        elif config is not None:
            _session.config = config
        if not _patcher.active:
            _disabled_by_error = False
            _patcher.apply()
            primitives.on_contended = _on_contended
            primitives.on_nested = ordering.on_nested
            primitives.on_internal_error = _on_internal_error
            loophook.on_idle = _on_idle
            loophook.on_busy = _on_busy
            loophook.on_pause = _on_pause
            loophook.on_internal_error = _on_internal_error
        _start_watchdog(_session.config)
        return _session


def uninstall() -> None:
    """Restore asyncio's original classes exactly and end the session."""
    global _session
    with _guard:
        watchdog.stop()
        primitives.on_contended = primitives.on_nested = None
        primitives.on_internal_error = None
        ordering.reset()
        taskstate.ended_holding.clear()
        loophook.on_idle = loophook.on_busy = loophook.on_internal_error = None
        loophook.on_pause = None
        loophook.stop_tracking()
        _recheck.clear()
        _patcher.restore()
        loophook.own_handlers.difference_update(_ignored_handlers)
        _ignored_handlers.clear()
        _session = None


def installed() -> bool:
    return _patcher.active


#: Signal handlers added to loophook.own_handlers by ignore_wakers(), until uninstall().
_ignored_handlers: set[Any] = set()


def ignore_wakers(handlers: Iterable[Any] = (), threads: Iterable[threading.Thread] = ()) -> None:
    """Signal handlers and threads that never wake a task (a test runner's timeout).

    A loop whose waiting tasks only these could wake counts as stalled. The handlers are
    forgotten at uninstall().
    """
    with _guard:
        for handler in handlers:
            if handler not in loophook.own_handlers:
                loophook.own_handlers.add(handler)
                _ignored_handlers.add(handler)
        for thread in threads:
            thread._adl_own = True  # type: ignore[attr-defined]


def finish() -> list[Finding]:
    """End-of-run report: add potential findings (lock order) and write what is new."""
    session = _session
    if session is None:
        return []
    from aiodeadlock.instrument.orphans import ended_holding

    return session.finish(ordering.findings() + ended_holding())


def _on_contended(st: Any, prim: Any, frame: Any) -> None:
    """A task is about to park on a primitive that is taken: is that forever?"""
    session = _session
    if session is None:
        return
    task = st.task()
    if task is None:
        return
    if waits.holders_may_run(prim):
        return  # the usual case: whoever holds it is busy, sleeping or doing I/O
    if primitives.bound_elsewhere(prim, _running_loop()):
        return  # asyncio itself will refuse this wait (primitive bound to another loop)
    # A cheap pass first: most contended waits are not deadlocks. Only then look at
    # pending callbacks (which may release the lock) and read the tasks' stacks.
    quick = LiveGraph(current=task, stacks=False, wakers=False)
    if find_deadlock(quick, quick.add_task(task), orphans=False) is None:
        return
    graph = LiveGraph(current=task)
    deadlock = find_deadlock(graph, graph.add_task(task), orphans=False)
    if deadlock is None or _may_be_released(deadlock, graph, _running_loop(), task):
        return
    session.deadlock(explain(deadlock))


def _may_be_released(deadlock: Deadlock, graph: LiveGraph, loop: Any, current: Any) -> bool:
    """Could a task outside the deadlock release one of its locks? (asyncio lets any task
    release a lock: one used as a signal, or handed over, is released by someone else.)

    True when a task that is not itself stuck, or another thread, has such a lock in a
    local variable; the lock is then marked as shared, and its ownership is no longer used
    for verdicts. Locks held by `async with` blocks are left out: only their holder can
    release them, so the (whole-loop) search is needed only for locks taken by `acquire()`.
    """
    prims = [graph.prims[s.resource.key] for s in deadlock.steps]
    locks = [p for p in prims if is_owned_primitive(p) and not primitives.held_in_block(p)]
    if not locks or loop is None:
        return False
    if threads_referencing(locks):
        for lock in locks:
            lock._adl_shared = True
        return True
    stuck = {s.task.key for s in deadlock.steps}
    for other in tasks_referencing(locks, loop, skip=current):
        key = graph.add_task(other)
        if key not in stuck and find_deadlock(graph, key) is None:
            for lock in locks:
                lock._adl_shared = True
            return True
    return False


def _running_loop() -> Any:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _on_idle(loop: Any) -> None:
    """The loop is about to sleep with no timeout: look for cycles, and for a stall."""
    session = _session
    if session is None:
        return
    loophook.track_parked(loop, loophook.task_count_hint(loop))
    parked = loophook.parked_since_last_call(loop)
    reason = loophook.why_not_stalled(loop)
    if reason is not None:
        if parked is not None and _scan_cycles(loop, session.config.grace, parked):
            return
        if loophook._monotonic() >= loophook._next_scan:
            loophook.busy_scan(loop)
        else:
            loophook.scan_later(loop)
        if loophook.only_threads(reason):  # nothing tells an idle loop that a thread ended
            loophook.call_once_later(loop, "grace", session.config.grace, _stall_check)
        return
    if parked is None:
        if not loophook.blocked_tasks(loop):
            return
        if _scan_cycles(loop, orphans_after=0.0):
            return
    elif _scan_cycles(loop, 0.0, parked) or not loophook.task_count_hint(loop):
        return
    loophook.call_once_later(loop, "grace", session.config.grace, _stall_check)


def _on_busy(loop: Any) -> None:
    session = _session
    if session is not None:
        _scan_cycles(loop, orphans_after=session.config.grace)


def _on_pause(loop: Any) -> None:
    """A loop with many tasks is about to wait for a timer or I/O: read the tasks that
    parked since the last scan (only they can have closed a new cycle)."""
    session = _session
    parked = loophook.parked_since_last_call(loop)
    if session is not None and parked:
        _scan_cycles(loop, session.config.grace, parked)


#: When each (task, resource) wait on a lock held by a finished task was first seen.
_orphan_waits: dict[tuple[str, str], float] = {}
#: Tasks of deadlocks not reported yet (a callback might still end them, an orphaned
#: lock's grace period runs): read again by the next scan, even one of parked tasks only.
_recheck: dict[int, Any] = {}


def _scan_cycles(loop: Any, orphans_after: float, only: list[Any] | None = None) -> bool:
    """Report the first deadlock found among the loop's suspended tasks (or among `only`,
    the tasks that parked since the last scan, and those of deadlocks still pending).

    A wait on a lock whose holder has finished is reported only once it has lasted
    `orphans_after` seconds (0 when the loop can run nothing else at all).
    """
    graph = LiveGraph(current=None, loop=loop, stacks=False, wakers=False)
    checked: LiveGraph | None = None
    now = loophook._monotonic()
    seen: dict[tuple[str, str], float] = {}
    states = taskstate.states
    if only is None:
        tasks = loophook.blocked_tasks(loop)
        loophook.track_parked(loop, len(tasks))
        loophook.parked_since_last_call(loop)  # every task is read now
        _take_rechecks(loop)
    else:
        tasks = only + [t for t in _take_rechecks(loop) if not t.done()]
    for task in tasks:
        st = states.get(id(task))
        if (st is None or st.waiting is None) and not may_be_exclusive(task):
            continue
        key = graph.add_task(task)
        node = graph.task(key)
        if node.waits is None or not graph.resource(node.waits.resource).exclusive:
            continue
        if find_deadlock(graph, key) is None:
            continue
        if loop._adl_parked is not None and len(_recheck) < RECHECK_LIMIT:
            _recheck[id(task)] = task  # (full scans find it again anyway)
        if checked is None:  # confirm, now looking at pending callbacks too
            checked = LiveGraph(current=None, loop=loop, stacks=False)
        deadlock = find_deadlock(checked, checked.add_task(task))
        if deadlock is None or _may_be_released(deadlock, checked, loop, None):
            continue
        if deadlock.ended:
            wait = (key, node.waits.resource)
            seen[wait] = since = _orphan_waits.get(wait, now)
            if now - since < orphans_after:
                continue
        _recheck.pop(id(task), None)
        finding = explain(with_stacks(deadlock, checked))
        # Raise mode puts the error into a task on the cycle, never into one that only
        # waits on it (the cycle would stay, and asyncio.run's cleanup would recurse).
        on_cycle = list(finding.members) or [s.task.key for s in deadlock.steps]
        _found(finding, [checked.tasks[k] for k in on_cycle])
        return True
    if only is None:
        _orphan_waits.clear()
    _orphan_waits.update(seen)
    return False


RECHECK_LIMIT = 1000


def _take_rechecks(loop: Any) -> list[Any]:
    """Remove and return `loop`'s tasks from `_recheck` (other threads' loops share it)."""
    mine = [t for t in list(_recheck.values()) if t.get_loop() is loop]
    for task in mine:
        _recheck.pop(id(task), None)
    return mine


def with_stacks(deadlock: Deadlock, graph: LiveGraph) -> Deadlock:
    """The deadlock with every task's await stack read (scans build nodes without)."""
    steps = tuple(replace(s, task=graph.with_stack(s.task)) for s in deadlock.steps)
    return replace(deadlock, steps=steps)


def _stall_check(loop: Any) -> None:
    session = _session
    if session is None:
        return
    reason = loophook.why_not_stalled(loop)
    if reason is not None:
        if loophook.only_threads(reason) and loophook.blocked_tasks(loop):
            # Ask again later: the loop sleeps on, and a thread that ends does not wake it.
            loophook.call_once_later(loop, "grace", session.config.grace, _stall_check)
        return
    tasks = loophook.blocked_tasks(loop)
    if not tasks:
        return
    if _scan_cycles(loop, orphans_after=0.0):
        return  # a cycle the last scans did not see (they read parked tasks only, or the
        # loop went idle while another thread was still finishing its work)
    graph = LiveGraph(current=None, loop=loop)
    nodes = [graph.task(graph.add_task(t)) for t in tasks]
    resources = {n.waits.resource: graph.resource(n.waits.resource) for n in nodes if n.waits}
    finding = explain_stall(nodes, resources, session.config.grace)
    _found(finding, tasks)


def _found(finding: Finding, victims: list[Any]) -> None:
    """Act on a deadlock found outside the waiting task (from the loop hook)."""
    session = _session
    if session is not None:
        contained = session.config.contained
        session.deadlock(finding, inject=lambda err: raise_in(victims, err, contained))


# -- the watchdog thread (loop-blocked, long-wait) -----------------------------------


def _start_watchdog(config: Config) -> None:
    watchdog.start(config.watchdog, config.long_wait, _loop_blocked, _long_wait, _on_watchdog_error)


def _loop_blocked(finding: Finding) -> None:
    """From the watchdog thread: no task can take an error, so exit mode ends the run."""
    session = _session
    if session is not None:
        session.deadlock(finding, inject=lambda err: False)


def _long_wait(finding: Finding) -> None:
    session = _session
    if session is not None and session.add(finding):
        session.write()


def _on_watchdog_error(exc: BaseException) -> None:
    try:
        sys.stderr.write(
            f"aiodeadlock: internal error, watchdog stopped: {type(exc).__name__}: {exc}\n"
        )
    except (OSError, ValueError):
        pass


def _on_internal_error(exc: BaseException) -> None:
    """Contain a failure of the detector: warn once, stop detecting, let the program go on."""
    global _disabled_by_error

    if isinstance(exc, DeadlockError):
        raise exc
    primitives.on_contended = primitives.on_nested = None
    loophook.on_idle = loophook.on_busy = loophook.on_pause = None
    if not _disabled_by_error:
        _disabled_by_error = True
        try:
            sys.stderr.write(
                f"aiodeadlock: internal error, detection disabled: {type(exc).__name__}: {exc}\n"
            )
        except (OSError, ValueError):
            pass

"""The detector: the one owner of run state, wiring what is recorded to what decides.

A Detector owns the instrumentation (its patches and the probe slot), the scan policy
and what it remembers, the lock-order graph, the watchdog thread and the findings (its
Responder). `install()` makes one the current detector; `close()` undoes all of it.
"""

from __future__ import annotations

import platform
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from aiodeadlock.config import Config
from aiodeadlock.detectors.exithang import exit_hang
from aiodeadlock.detectors.facts import LoopFacts
from aiodeadlock.detectors.lockorder import LockOrder
from aiodeadlock.detectors.loopblocked import long_wait, loop_blocked, loop_busy
from aiodeadlock.detectors.lostwakeup import explain_lost_wakeup
from aiodeadlock.detectors.offloop import look as look_off_loop
from aiodeadlock.detectors.orphans import ended_holding
from aiodeadlock.detectors.scan import Scanner, Verdict
from aiodeadlock.detectors.threadknot import explain_knot, knot, reportable, settle
from aiodeadlock.instrument import (
    anyio_primitives,
    executors,
    loophook,
    orphans,
    primitives,
    taskstate,
    threadknots,
    uvloophook,
    waits,
    wakerecord,
    watchdog,
)
from aiodeadlock.instrument.cancels import CancelRecorder, PendingCancel
from aiodeadlock.instrument.loopview import LoopView, running_loop
from aiodeadlock.instrument.ordering import OrderRecorder
from aiodeadlock.instrument.patching import Patcher
from aiodeadlock.instrument.probe import SLOT, Probe
from aiodeadlock.instrument.taskstate import TaskState
from aiodeadlock.model.findings import Finding
from aiodeadlock.model.lockorder import OrderEdge
from aiodeadlock.model.report import Report, RunInfo
from aiodeadlock.model.threads import BusyPoll, LateWait, Stuck, ThreadWait
from aiodeadlock.respond import Responder, write_stderr


def run_info(command: Iterable[str] | None = None) -> RunInfo:
    """What is running now: the command given (default: sys.argv, when there is one yet),
    this interpreter, this process."""
    if command is None:
        command = getattr(sys, "argv", ())
    return RunInfo(
        command=tuple(command),
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        platform=sys.platform,
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        pid=_pid(),
    )


def _pid() -> int:
    import os

    return os.getpid()


class Detector(Probe):
    """Deadlock detection for every event loop of the process, while it is open."""

    def __init__(self, config: Config, run: RunInfo | None = None) -> None:
        self.responder = Responder(config, run if run is not None else run_info())
        self.responder.potential = self.potential
        self.scanner = Scanner(self._act, lambda: self.responder.config.grace)
        self.cancels = CancelRecorder()  # cancel requests, for cancel-ignored (DL108)
        self.scanner.cancels = self._pending_cancels
        self.scanner.cancel_unread = self._cancel_unread
        self.scanner.note = self._noted
        self.scanner.ended_at = self.cancels.ended_at
        self.order = LockOrder()
        self.recorder = OrderRecorder(
            self.order.graph.edges, self._order_edge, self.order.graph.forget_instance
        )
        # Nested acquires go straight to the recorder: one call less on that hot path.
        self.nested = self.recorder.nested  # type: ignore[method-assign]
        #: Signal handlers that never wake a task (a test runner's alarm): see ignore_wakers.
        self.ignored_handlers: set[Any] = set()
        self.watchdog: watchdog.Watchdog | None = None
        self.active = False
        self._failed = False
        self._patches = Patcher(
            primitives.PATCHES
            + loophook.PATCHES
            + waits.PATCHES
            + wakerecord.PATCHES
            + anyio_primitives.PATCHES
            + uvloophook.PATCHES
            + [(uvloophook.Switch, "decide", look_off_loop)]
        )
        self._watchdog_patches = Patcher(watchdog.PATCHES + executors.PATCHES)
        #: Threads stuck for good, looked for at the watchdog's samples (see _decide_knot).
        self._knots = threadknots.KnotWatch(
            lambda: self.config.watchdog,
            self._decide_knot,
            self.ignored_handlers,
            failed=self._knots_failed,
        )
        self._knot_seen: frozenset[int] = frozenset()
        self._knots_reported: set[frozenset[int]] = set()

    # settings and results --------------------------------------------------------------

    @property
    def config(self) -> Config:
        return self.responder.config

    @config.setter
    def config(self, config: Config) -> None:
        self.responder.config = config
        if self.active:
            self._configure_watchdog()

    @property
    def findings(self) -> list[Finding]:
        return self.responder.findings

    def report(self) -> Report:
        return self.responder.report()

    def potential(self) -> list[Finding]:
        """Potential findings as of now: lock-order cycles, tasks that ended holding a lock."""
        return self.order.findings() + ended_holding(orphans.ended_holding())

    def finish(self) -> Report:
        """End of a run: add the potential findings, write what is new, return the report."""
        return self.responder.finish(self.potential())

    # lifecycle ---------------------------------------------------------------------------

    def open(self) -> None:
        """Patch asyncio and start watching (the probe slot points here)."""
        if self.active:
            return
        self._patches.apply()
        uvloophook.register_running(running_loop())  # opened from inside a uvloop loop
        SLOT.plug(self)
        self.cancels.open()
        self.active = True
        self._configure_watchdog()

    def close(self) -> None:
        """Restore asyncio exactly and forget everything recorded."""
        self.active = False
        if SLOT.probe is self:
            SLOT.unplug()
        self._stop_watchdog()
        self._patches.restore()
        self.cancels.close()
        taskstate.ended_holding.clear()
        loophook.stop_tracking()

    def ignore_wakers(self, handlers: Iterable[Any] = (), threads: Iterable[Any] = ()) -> None:
        """Signal handlers and threads that never wake a task (a test runner's timeout):
        a loop whose waiting tasks only these could wake counts as stalled."""
        self.ignored_handlers.update(handlers)
        for thread in threads:
            thread._adl_own = True

    # the probe: what the instrumentation reports -------------------------------------

    def contended(self, st: TaskState, prim: Any, frame: FrameType | None) -> BaseException | None:
        task = st.task()
        if task is None or waits.holders_may_run(prim):
            return None  # the usual case, answered before any view of the loop is made
        finding = self.scanner.at_park(self._view(running_loop()), task, prim)
        if finding is None:
            return None
        return self.responder.deadlock(finding)

    def nested(self, st: TaskState, prim: Any, frame: FrameType | None) -> None:
        self.recorder.nested(st, prim, frame)

    def idle(self, loop: Any) -> None:
        self.scanner.idle(self._view(loop))
        SLOT.due = self.scanner.due

    def between(self, loop: Any, pausing: bool) -> None:
        if self.watchdog is not None:
            self.watchdog.scan_if_pending(loop)
        self.scanner.between(self._view(loop), pausing)
        SLOT.due = self.scanner.due

    def failed(self, exc: BaseException) -> None:
        """Contain a failure of the detector: warn once, stop detecting, let the program go on."""
        self.active = False
        if not self._failed:
            self._failed = True
            write_stderr(
                f"aiodeadlock: internal error, detection disabled: {type(exc).__name__}: {exc}\n"
            )

    def _view(self, loop: Any) -> LoopView:
        return LoopView(loop, self.ignored_handlers)

    def _act(self, facts: LoopFacts, verdict: Verdict) -> None:
        """Act on a deadlock found outside the waiting task (from the loop hook)."""
        if not self.active:
            return
        contained = self.config.contained

        def inject(err: BaseException) -> bool:
            return facts.raise_in(verdict.victims, err, contained)

        self.responder.deadlock(verdict.finding, inject=inject)

    def _pending_cancels(self, facts: LoopFacts, at_least: float) -> list[PendingCancel]:
        view = facts if isinstance(facts, LoopView) else None
        if view is None:
            return []
        grace = self.responder.config.grace
        return self.cancels.pending(view.loop, view.unfinished(), at_least, mature=grace)

    def _cancel_unread(self, facts: LoopFacts) -> float | None:
        if not self.cancels.records or not isinstance(facts, LoopView):
            return None
        return self.cancels.first_unread(facts.loop)

    def _noted(self, finding: Finding) -> None:
        """A potential finding made by a scan (cancel-ignored): recorded and written once."""
        if self.active and self.responder.add(finding):
            self.responder.write()

    def _order_edge(self, edge: OrderEdge, instance: bool) -> bool:
        return self.order.add(edge, instance, self.recorder.alive)

    # the watchdog ----------------------------------------------------------------------

    def _configure_watchdog(self) -> None:
        threshold, late = self.config.watchdog, self.config.long_wait
        if threshold is None and late is None:
            self._stop_watchdog()
            return
        if self.watchdog is not None:
            self.watchdog.threshold, self.watchdog.long_wait = threshold, late
            return
        self._watchdog_patches.apply()
        watchdog.register_running(running_loop())
        self.watchdog = watchdog.Watchdog(threshold, late, self)
        self.watchdog.lookers.append(self._knots.look)
        self.watchdog.start()

    def _stop_watchdog(self) -> None:
        dog, self.watchdog = self.watchdog, None
        if dog is not None:
            dog.stop()
        self._watchdog_patches.restore()
        watchdog.forget_loops()

    def loop_thread_blocked(
        self, thread: int, wait_of: Callable[[int], ThreadWait | None], blocked_for: float
    ) -> bool:
        threshold = self.config.watchdog
        if not self.active or threshold is None:
            return False
        finding = loop_blocked(thread, wait_of, blocked_for, threshold)
        if finding is None:
            return False
        if finding.definite:  # from this thread no task can take an error: exit mode ends it
            self.responder.deadlock(finding, inject=lambda err: False)
        elif self.responder.add(finding):
            self.responder.write()
        return True

    def loop_thread_busy(
        self, thread: int, poll_of: Callable[[int], BusyPoll | None], busy_for: float
    ) -> bool:
        threshold = self.config.watchdog
        if not self.active or threshold is None or busy_for < threshold:
            return False
        poll = poll_of(thread)
        if poll is None:
            return False  # busy, maybe just slow: it polls nothing only the loop delivers
        finding = loop_busy(poll, busy_for, threshold)
        if finding is None:
            return False
        if self.responder.add(finding):
            self.responder.write()
        return True

    def exit_blocked(
        self,
        joined: list[str],
        waits: dict[int, ThreadWait | None],
        wakers: list[str],
        stuck_for: float,
    ) -> bool:
        if not self.active:
            return False
        finding = exit_hang(joined, waits, wakers, stuck_for, self.config.grace)
        if finding is None:
            return False
        self.responder.deadlock(finding, inject=lambda err: False)  # no task left to raise in
        return True

    def loop_asleep_with_work(self, loop: Any, asleep_for: float) -> bool:
        if not self.active or asleep_for < self.config.grace:
            return False
        facts = self._view(loop)
        if facts.why_asleep_forever() is not None:
            return False  # something may still wake it: look again at the next sample
        callbacks, tasks = facts.ready_callbacks()
        graph = facts.graph()
        woken = [graph.with_stack(graph.task(graph.add_task(t))) for t in tasks]
        finding = explain_lost_wakeup(woken, callbacks, facts.signal_handler_sites(), asleep_for)

        def inject(err: BaseException) -> bool:
            # Decided: only now may the loop be woken, to raise the error in the tasks
            # (which then run, with the callbacks that were waiting).
            if not tasks or loop.is_closed():
                return False
            try:
                loop.call_soon_threadsafe(facts.raise_in, tasks, err, self.config.contained)
            except RuntimeError:  # the loop closed meanwhile
                return False
            return True

        self.responder.deadlock(finding, inject=inject)
        return True

    def _decide_knot(self, reader: threadknots.KnotReader, steady: frozenset[int]) -> None:
        """Threads that stayed in one place (`steady`) and loops asleep: are some of them
        stuck for good, each waiting for another? Reported when two looks agree."""
        if not self.active:
            return
        live = reader.live()
        nodes: dict[int, Stuck] = {}
        for tid in sorted(live):
            if tid not in steady and tid not in reader.loop_of:
                continue
            node = reader.stuck(tid)
            if node is not None and (tid in steady or node.wait is None):
                nodes[tid] = node
        members = knot(nodes, live)
        if members and reportable(settle(nodes, members, live), members):
            # whoever else refers to a future waited on might complete or cancel it
            nodes = {t: reader.with_referrers(nodes[t]) for t in members}
            members = knot(nodes, live)
        nodes = settle(nodes, members, live)
        if not members or not reportable(nodes, members) or members in self._knots_reported:
            self._knot_seen = frozenset()
            return
        if members != self._knot_seen:  # once more, a moment later, before a verdict
            self._knot_seen = members
            self._knots.again()
            return
        for tid in members:  # a loop thread whose own chain of waits is reported as such
            if nodes[tid].loop and loop_blocked(tid, reader.wait, 1.0, 0.0) is not None:
                return
        self._knots_reported.add(members)
        names = {tid: reader.thread_name(tid) for tid in reader.frames}
        nodes = {t: reader.detail(nodes[t]) for t in members}
        finding = explain_knot(nodes, members, names)
        self.responder.deadlock(finding, inject=lambda err: False)

    def late_waits(self, waits: list[LateWait]) -> None:
        threshold = self.config.long_wait
        if not self.active or threshold is None:
            return
        for w in waits:
            finding = long_wait(w.task, w.resource, w.waited, threshold, w.holders, w.others)
            if finding is not None and self.responder.add(finding):
                self.responder.write()

    def _knots_failed(self, exc: BaseException) -> None:
        write_stderr(
            "aiodeadlock: internal error, the check of stuck threads stopped: "
            f"{type(exc).__name__}: {exc}\n"
        )

    def watchdog_failed(self, exc: BaseException) -> None:
        write_stderr(
            f"aiodeadlock: internal error, watchdog stopped: {type(exc).__name__}: {exc}\n"
        )


# -- the current detector ------------------------------------------------------------------

_guard = threading.RLock()
_current: list[Detector] = []  # at most one: the installed detector


def current() -> Detector | None:
    """The installed detector, or None."""
    return _current[0] if _current else None


def install(config: Config | None = None, run: RunInfo | None = None) -> Detector:
    """Make a detector current (idempotent): a new one, or the current one with `config`."""
    with _guard:
        detector = current()
        if detector is None:
            detector = Detector(config or Config(), run)
            _current.append(detector)
        elif config is not None:
            detector.config = config
        if not detector.active and not detector._failed:
            detector.open()
        return detector


def uninstall() -> None:
    """Close the current detector, if any: asyncio is restored exactly."""
    with _guard:
        detector = current()
        if detector is not None:
            _current.clear()
            detector.close()

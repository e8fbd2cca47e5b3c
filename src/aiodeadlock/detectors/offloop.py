"""Deadlocks of loops watched from another thread (uvloop), where no hook runs in the loop.

A monitor thread hands a loop over while its thread is inside the loop's C code (no task
step half done). A wait-for cycle or an orphaned lock is proved by the graph alone, but
one read from outside could be a moment when a wake-up is queued and not yet seen: it is
reported only when two looks, a grace period apart, find the same tasks stuck on the same
futures. A stall cannot be proved (uvloop's timers, sockets and servers are out of reach):
it is at most a potential finding, and none when the loop ever did I/O or has a timer
pending.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field, replace
from typing import Any

from aiodeadlock.detectors.facts import LoopFacts
from aiodeadlock.detectors.scan import Scanner, Verdict
from aiodeadlock.detectors.stall import explain_stall
from aiodeadlock.model.findings import ORPHANED_LOCK, Finding


@dataclass
class _State:
    """What one detector remembers of the loops it watches from outside."""

    next_look: dict[int, float] = field(default_factory=dict)
    pending: dict[int, tuple[Any, float]] = field(default_factory=dict)
    stalled: set[int] = field(default_factory=set)


_states: weakref.WeakKeyDictionary[Any, _State] = weakref.WeakKeyDictionary()


def look(detector: Any, facts: LoopFacts, quiet_for: float) -> None:
    """One look at a loop whose thread is in the loop's own code, quiet for `quiet_for` s
    (nothing scheduled meanwhile). Acts through `detector.responder`."""
    state = _states.get(detector)
    if state is None:
        state = _states[detector] = _State()
    grace = float(detector.config.grace)
    key = id(getattr(facts, "loop", facts))
    now = facts.now()
    if now < state.next_look.get(key, 0.0):
        return
    state.next_look[key] = now + max(grace / 2, 0.1)
    found: list[Verdict] = []
    scanner = Scanner(lambda _facts, verdict: found.append(verdict), lambda: grace)
    verdict = scanner.cycles(facts, orphans_after=0.0)
    if verdict is not None and not _provable(facts, verdict.finding):
        verdict = None
    if verdict is not None:
        mark = _fingerprint(verdict)
        first = state.pending.get(key)
        if first is None or first[0] != mark:
            state.pending[key] = (mark, now)
            return
        if now - first[1] < grace:
            return
        del state.pending[key]
        _act(detector, facts, verdict)
        return
    state.pending.pop(key, None)
    if quiet_for >= grace and key not in state.stalled:
        finding = potential_stall(facts, grace)
        if finding is not None:
            state.stalled.add(key)
            if detector.responder.add(finding):
                detector.responder.write()


#: Resources that only their owner can release (anyio checks): a dead owner's is lost.
_OWNER_ONLY = {"anyio.Lock"}


def _provable(facts: LoopFacts, finding: Finding) -> bool:
    """An orphaned lock needs more than the graph: asyncio lets any task release a lock, and
    a timer or I/O callback out of sight may be about to. Only a loop where nothing visible
    can run (as for a stall), or a lock only its owner can release, proves it."""
    if finding.kind != ORPHANED_LOCK:
        return True
    if all(r.type in _OWNER_ONLY for r in finding.resources):
        return True
    return facts.why_not_stalled() is None


def _fingerprint(verdict: Verdict) -> Any:
    """The deadlock's tasks, resources and the futures its tasks are parked on."""
    finding = verdict.finding
    parked = sorted(id(getattr(v, "_fut_waiter", None)) for v in verdict.victims)
    return (
        finding.kind,
        tuple(sorted(t.key for t in finding.tasks)),
        tuple(sorted(r.key for r in finding.resources)),
        tuple(parked),
    )


def _act(detector: Any, facts: LoopFacts, verdict: Verdict) -> None:
    loop = getattr(facts, "loop", None)
    contained = detector.config.contained

    def inject(err: BaseException) -> bool:
        if loop is None or loop.is_closed():
            return False
        try:  # decided: now the error may go to the loop, to be raised in a task there
            loop.call_soon_threadsafe(facts.raise_in, verdict.victims, err, contained)
        except RuntimeError:  # the loop closed meanwhile
            return False
        return True

    detector.responder.deadlock(verdict.finding, inject=inject)


def potential_stall(facts: LoopFacts, grace: float) -> Finding | None:
    """Every task waits on something known and nothing visible can wake them: a potential
    stall (the loop's own handles cannot be seen), or None."""
    if facts.why_not_stalled() is not None:
        return None
    tasks = facts.unfinished()
    if not tasks:
        return None
    graph = facts.graph()
    nodes = [graph.task(graph.add_task(t)) for t in tasks]
    if any(n.waits is None for n in nodes):
        return None  # a task that waits on a bare future (I/O...) or may be ready
    resources = {n.waits.resource: graph.resource(n.waits.resource) for n in nodes if n.waits}
    finding = explain_stall(nodes, resources, grace)
    note = " (uvloop: its own timers and I/O handles cannot be seen, so this is not proved)"
    return replace(finding, message=finding.message + note, potential=True)

"""Decide whether interpreter exit waits forever for a thread (a stall after the program
returned: every thread exit waits for is blocked, and nothing is left to wake it)."""

from __future__ import annotations

from aiodeadlock.detectors.threadchain import actor_report, edges_and_holds
from aiodeadlock.model.findings import STALL, Finding
from aiodeadlock.model.threads import ThreadWait


def exit_hang(
    joined: list[str],
    waits: dict[int, ThreadWait | None],
    wakers: list[str],
    stuck_for: float,
    grace: float,
) -> Finding | None:
    """The definite stall of an interpreter exit that waits for the threads `joined`
    (non-daemon, by name) whose waits are `waits` (every live thread but the main one;
    None: not in a wait we know), or None.

    Definite only when every live thread has waited, with no timeout, for `grace`
    seconds, and nothing else can run code (`wakers`: Python signal handlers and the
    like, named): the main thread only waits for the joins, so whoever each wait needs
    (one of these threads, the main thread, or a thread that has ended) never acts."""
    if stuck_for < grace or not joined or wakers:
        return None
    known = [w for w in waits.values() if w is not None]
    if len(known) != len(waits):
        return None  # a thread runs code we cannot read: it may still end the waits
    if any(w.timeout is not None for w in known):
        return None
    return _explain(joined, known, stuck_for)


def _explain(joined: list[str], waits: list[ThreadWait], stuck_for: float) -> Finding:
    edges, holds = edges_and_holds(waits)
    reports = tuple(actor_report(w.waiter, "blocked", holds, w) for w in waits)
    resources = tuple({w.resource.key: w.resource for w in waits}.values())
    names = ", ".join(repr(n) for n in joined)
    parts = []
    for w in waits:
        where = f" at {w.at.short()}" if w.at is not None else ""
        parts.append(f"{w.waiter.title()} waits{where} in {w.call} on {w.resource.label()}")
    first = waits[0]
    message = (
        f"the program has returned, but interpreter exit waits for thread(s) {names}, "
        f"and nothing is left to end their waits: {'; '.join(parts)}"
    )
    notes = (
        f"exit has waited {stuck_for:.1f}s; no other thread runs, no event loop is left, "
        "and no Python signal handler is set: the process would never end",
        "fix: end the thread when the program ends (a sentinel, an Event, a timeout), or "
        "make it a daemon thread",
    )
    return Finding(STALL, message, first.at, tuple(edges), reports, resources, notes)

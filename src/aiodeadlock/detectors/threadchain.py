"""Threads blocked in synchronous calls, as a finding shows them: edges, holds, reports."""

from __future__ import annotations

from collections.abc import Iterable

from aiodeadlock.model.findings import Edge, Hold, TaskReport
from aiodeadlock.model.threads import Actor, ThreadWait


def edges_and_holds(waits: Iterable[ThreadWait]) -> tuple[list[Edge], dict[str, list[Hold]]]:
    """One wait-for edge per wait, and what each holder holds (by actor key)."""
    edges: list[Edge] = []
    holds: dict[str, list[Hold]] = {}
    for wait in waits:
        holder = wait.holder
        holder_key = holder.key if holder is not None else None
        edges.append(Edge(wait.waiter.key, wait.resource.key, wait.at, holder_key, wait.since))
        if holder is not None and wait.since is not None:
            holds.setdefault(holder.key, []).append(Hold(wait.resource.key, wait.since))
    return edges, holds


def actor_report(
    actor: Actor, state: str, holds: dict[str, list[Hold]], wait: ThreadWait | None = None
) -> TaskReport:
    """How a finding shows a task or thread: blocked in `wait`, or just `state`."""
    return TaskReport(
        key=actor.key,
        name=actor.name,
        state=state,
        waits_for=wait.resource.key if wait is not None else None,
        waits_at=wait.at if wait is not None else actor.waits_at,
        holds=tuple(holds.get(actor.key, ())),
        stack=actor.stack,
        actor="task" if actor.is_task else "thread",
    )

"""Explain a stall: every task waits and nothing left in the loop can wake any of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aiodeadlock.model.findings import STALL, Edge, Finding, Hold, TaskReport
from aiodeadlock.model.waitgraph import ResourceNode, TaskNode


def explain_stall(
    tasks: Sequence[TaskNode], resources: dict[str, ResourceNode], grace: float
) -> Finding:
    """The stall finding for the blocked `tasks` (with the resources they wait on)."""
    edges: list[Edge] = []
    holds: dict[str, list[Hold]] = {}
    for t in tasks:
        if t.waits is None:
            continue
        res = resources[t.waits.resource]
        if not res.holders:
            edges.append(Edge(t.key, res.key, t.waits.at, None, None))
        for h in res.holders:
            edges.append(Edge(t.key, res.key, t.waits.at, h.task, h.since))
            holds.setdefault(h.task, []).append(Hold(res.key, h.since))
    reports = tuple(
        TaskReport(
            key=t.key,
            name=t.name,
            state="waiting",
            waits_for=t.waits.resource if t.waits else None,
            waits_at=t.waits.at if t.waits else None,
            holds=tuple(holds.get(t.key, ())),
            stack=t.stack,
        )
        for t in tasks
    )
    used = {t.waits.resource for t in tasks if t.waits}
    res_list = tuple(r.to_resource() for k, r in resources.items() if k in used)
    parts = []
    for t in tasks[:3]:
        what = resources[t.waits.resource] if t.waits else None
        label = replace(what.to_resource(), detail=None).label() if what else "?"
        parts.append(f"{t.name!r} waits for {label}")
    more = f" and {len(tasks) - 3} more" if len(tasks) > 3 else ""
    message = (
        f"{len(tasks)} task(s) wait and nothing can wake them "
        f"(no ready callbacks, timers, I/O, threads or signal handlers for {grace:g}s): "
        + "; ".join(parts)
        + more
    )
    first = next((t.waits.at for t in tasks if t.waits and t.waits.at), None)
    return Finding(STALL, message, first, tuple(edges), reports, res_list)

"""Explain a stall: every task waits and nothing left in the loop can wake any of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from aiodeadlock.model.findings import STALL, Edge, Finding, Hold, TaskReport
from aiodeadlock.model.waitgraph import ResourceNode, TaskNode, WakeSet


def explain_stall(
    tasks: Sequence[TaskNode],
    resources: dict[str, ResourceNode],
    grace: float,
    wakes: Mapping[str, WakeSet] | None = None,
) -> Finding:
    """The stall finding for the blocked `tasks` (with the resources they wait on), and
    (`wakes`) the tasks that could set or fill what they wait on, stuck too."""
    edges: list[Edge] = []
    holds: dict[str, list[Hold]] = {}
    wakes = wakes or {}
    for t in tasks:
        if t.waits is None:
            continue
        res = resources[t.waits.resource]
        wake = wakes.get(res.key)
        if wake is not None and (wake.wakers or wake.units):
            for h in wake.units:
                edges.append(Edge(t.key, res.key, t.waits.at, h.task, h.since))
                hold = Hold(res.key, h.since)
                if hold not in holds.setdefault(h.task, []):
                    holds[h.task].append(hold)
            for h in wake.wakers:
                edges.append(Edge(t.key, res.key, t.waits.at, h.task, h.since, "wakes"))
            continue
        if not res.holders:
            edges.append(Edge(t.key, res.key, t.waits.at, None, None))
        for h in res.holders:
            edges.append(Edge(t.key, res.key, t.waits.at, h.task, h.since))
            hold = Hold(res.key, h.since, h.released_by, h.released_at)
            if hold not in holds.setdefault(h.task, []):
                holds[h.task].append(hold)
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

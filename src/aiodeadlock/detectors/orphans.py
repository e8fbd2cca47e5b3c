"""Potential orphaned locks: a task raised or was cancelled holding a lock still held."""

from __future__ import annotations

from collections.abc import Sequence

from aiodeadlock.model.findings import ORPHANED_LOCK, Finding, Hold, TaskReport
from aiodeadlock.model.waitgraph import EndedHolder


def ended_holding(holders: Sequence[EndedHolder]) -> list[Finding]:
    """One potential orphaned-lock finding per task that ended holding locks."""
    findings = []
    for ended in holders:
        node = ended.task
        resources = tuple(res.to_resource() for res, _ in ended.held)
        holds = tuple(Hold(res.key, since) for res, since in ended.held)
        how = {"raised": f"raised {node.exception}", "cancelled": "was cancelled"}.get(
            node.ended or "", "returned"
        )
        labels = ", ".join(r.label() for r in resources)
        message = (
            f"Task {node.name!r} {how} while holding {labels}; nobody released it since "
            "(a deadlock as soon as anything waits for it)"
        )
        report = TaskReport(
            node.key, node.name, "ended", holds=holds, ended=node.ended, exception=node.exception
        )
        first = holds[0].since if holds else None
        findings.append(
            Finding(ORPHANED_LOCK, message, first, (), (report,), resources, potential=True)
        )
    return findings

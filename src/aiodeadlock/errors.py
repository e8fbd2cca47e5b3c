"""Exceptions raised by aiodeadlock."""

from __future__ import annotations

from collections.abc import Sequence

from aiodeadlock.model.findings import Finding


class DeadlockError(RuntimeError):
    """Raised in the task that would have waited forever (`on_deadlock="raise"`).

    `findings` holds the finding(s) as data; `report` is the text report.
    """

    def __init__(self, findings: Sequence[Finding], report: str) -> None:
        self.findings = tuple(findings)
        self.report = report
        first = self.findings[0] if self.findings else None
        head = f"{first.kind.name} ({first.kind.code}): {first.message}" if first else "deadlock"
        super().__init__(f"{head}\n{report}")

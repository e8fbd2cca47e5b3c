"""The machine-readable report (format_version 1)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiodeadlock.model.findings import Finding
from aiodeadlock.model.report import FORMAT_VERSION, Report

__all__ = ["FORMAT_VERSION", "render", "render_report", "to_data"]


def to_data(findings: Sequence[Finding]) -> dict[str, object]:
    """The report of `findings` (no run information) as JSON-ready data."""
    return Report(tuple(findings)).to_json()


def render(findings: Sequence[Finding]) -> str:
    """A whole report as JSON text (ends with a newline)."""
    return json.dumps(to_data(findings), indent=2) + "\n"


def render_report(report: Report) -> str:
    return report.dumps()

"""The machine-readable report (format_version 1)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aiodeadlock._version import __version__
from aiodeadlock.model.findings import Finding

FORMAT_VERSION = 1


def to_data(findings: Sequence[Finding]) -> dict[str, object]:
    """The report as JSON-ready data."""
    return {
        "format_version": FORMAT_VERSION,
        "tool": {"name": "aiodeadlock", "version": __version__},
        "deadlocked": any(f.definite for f in findings),
        "findings": [f.to_json() for f in findings],
    }


def render(findings: Sequence[Finding]) -> str:
    """A whole report as JSON text (ends with a newline)."""
    return json.dumps(to_data(findings), indent=2) + "\n"

"""Text and JSON renderers: pure functions of a Result."""

from __future__ import annotations

import json
from typing import Any

from aiodeadlock.check.engine import Result
from aiodeadlock.check.rules import rule_map
from aiodeadlock.check.summary import Loc


def _summary_line(result: Result) -> str:
    n = len(result.findings)
    files = len({f.at.path for f in result.findings})
    plural = "s" if result.files != 1 else ""
    checked = (
        f"{result.files} file{plural} checked ({result.analysed} analysed, "
        f"{result.cached} from cache)"
    )
    if not n:
        return f"No deadlock hazards found; {checked}."
    hazards = f"{n} deadlock hazard{'s' if n != 1 else ''}"
    return f"Found {hazards} in {files} file{'s' if files != 1 else ''}; {checked}."


def render_text(result: Result) -> str:
    """One `path:line:col: CODE message` line per finding, then a summary line."""
    lines = [f"{f.at.path}:{f.at.line}:{f.at.col}: {f.code} {f.message}" for f in result.findings]
    lines.append(_summary_line(result))
    return "\n".join(lines) + "\n"


def _loc(at: Loc) -> dict[str, Any]:
    return {"file": at.path, "line": at.line, "column": at.col}


def render_json(result: Result) -> str:
    """A JSON object with format_version, findings and counts."""
    rules = rule_map()
    findings = []
    for f in result.findings:
        rule = rules.get(f.code)
        findings.append(
            {
                "code": f.code,
                "rule": rule.name if rule else f.code,
                "message": f.message,
                "location": _loc(f.at),
                "related": [{**_loc(r.at), "message": r.message} for r in f.related],
            }
        )
    doc = {
        "format_version": 1,
        "tool": "aiodeadlock check",
        "findings": findings,
        "files_checked": result.files,
        "files_analysed": result.analysed,
        "files_from_cache": result.cached,
        "internal_errors": result.internal_errors,
    }
    return json.dumps(doc, indent=2) + "\n"

"""SARIF 2.1.0 renderer for GitHub code scanning."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from aiodeadlock._version import __version__
from aiodeadlock.check.engine import Result
from aiodeadlock.check.rules import all_rules
from aiodeadlock.check.summary import Loc

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    return Path(path).as_posix()


def _physical(at: Loc) -> dict[str, Any]:
    path = Path(at.path)
    artifact = (
        {"uri": path.as_uri()}
        if path.is_absolute()
        else {"uri": _uri(at.path), "uriBaseId": "%SRCROOT%"}
    )
    return {
        "artifactLocation": artifact,
        "region": {"startLine": at.line, "startColumn": at.col},
    }


def _line_text(path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            cache[path] = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def render_sarif(result: Result) -> str:
    """Return a SARIF log with one run, full rule metadata and stable fingerprints."""
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    descriptors = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.summary},
            "help": {
                "text": f"{r.summary} Fix: {r.fix}",
                "markdown": f"{r.summary}\n\n**Fix:** {r.fix}",
            },
            "defaultConfiguration": {
                "level": "error" if r.code == "DL200" else "warning",
                "enabled": r.default,
            },
        }
        for r in rules
    ]
    texts: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    results = []
    for f in result.findings:
        text = _line_text(f.at.path, f.at.line, texts)
        base = f"{f.code}:{_uri(f.at.path)}:{text}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        digest = hashlib.sha256(f"{base}:{n}".encode()).hexdigest()[:32]
        item: dict[str, Any] = {
            "ruleId": f.code,
            "ruleIndex": index.get(f.code, 0),
            "level": "error" if f.code == "DL200" else "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": _physical(f.at)}],
            "partialFingerprints": {"aiodeadlockFindingHash/v1": digest},
        }
        if f.related:
            item["relatedLocations"] = [
                {"id": i + 1, "physicalLocation": _physical(r.at), "message": {"text": r.message}}
                for i, r in enumerate(f.related)
            ]
        results.append(item)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aiodeadlock",
                        "version": __version__,
                        "rules": descriptors,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"

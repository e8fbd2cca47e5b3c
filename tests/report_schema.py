"""Checks a JSON report against docs/report.schema.json and its cross-references (test helper)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"


@cache
def _validator() -> Any:
    try:
        import jsonschema
    except ImportError as exc:  # a test-only dependency: pip install -e '.[test]'
        raise AssertionError(
            "jsonschema is needed to check reports against docs/report.schema.json "
            "(install the test extra: pip install -e '.[test]')"
        ) from exc
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def schema_errors(report: Any) -> list[str]:
    """Every way `report` breaks the schema, as 'path: message' lines (empty: it is valid)."""
    errors = sorted(_validator().iter_errors(report), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def reference_errors(report: Any) -> list[str]:
    """Keys that name no task or resource of their finding (what a schema cannot say)."""
    problems = []
    for i, finding in enumerate(report.get("findings", [])):
        tasks = {t["id"] for t in finding["tasks"]}
        resources = {r["id"] for r in finding["resources"]}

        def check(key: str | None, known: set[str], where: str, i: int = i) -> None:
            if key is not None and key not in known:
                problems.append(f"findings/{i}/{where}: {key!r} is not in the finding")

        for n, edge in enumerate(finding["edges"]):
            check(edge["waiter"], tasks, f"edges/{n}/waiter")
            check(edge["holder"], tasks, f"edges/{n}/holder")
            check(edge["resource"], resources, f"edges/{n}/resource")
        for n, task in enumerate(finding["tasks"]):
            check(task["waits_for"], resources, f"tasks/{n}/waits_for")
            for h, hold in enumerate(task["holds"]):
                check(hold["resource"], resources, f"tasks/{n}/holds/{h}/resource")
        for n, key in enumerate(finding["cycle"]):
            check(key, tasks, f"cycle/{n}")
    return problems


def assert_valid_report(report: Any) -> None:
    """Fail with every problem listed when `report` is not a valid format_version 1 report."""
    problems = schema_errors(report)
    if not problems:
        problems = reference_errors(report)
    assert not problems, "report does not match docs/report.schema.json:\n" + "\n".join(problems)

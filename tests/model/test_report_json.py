"""The JSON report's contract: format_version 1, stable kinds and codes, locations as objects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from aiodeadlock.detectors.deadlock import find_deadlock
from aiodeadlock.detectors.explain import explain
from aiodeadlock.model.findings import (
    KINDS,
    LOCK_ORDER,
    Edge,
    Finding,
    Hold,
    Resource,
    TaskReport,
)
from aiodeadlock.model.location import Location
from aiodeadlock.model.waitgraph import HoldNode, ResourceNode, TaskNode, WaitNode
from aiodeadlock.report import json as json_report
from aiodeadlock.report import text as text_report

#: The kinds and codes fixed by DESIGN.md; a code is never reused.
CONTRACT = {
    "self-deadlock": ("DL101", True),
    "wait-cycle": ("DL102", True),
    "orphaned-lock": ("DL103", True),
    "lock-order": ("DL104", False),
    "stall": ("DL105", True),
    "loop-blocked": ("DL106", True),
    "long-wait": ("DL107", False),
    "cancel-ignored": ("DL108", False),
    "loop-busy": ("DL109", False),
}
LOCATION_KEYS = ("location", "wait_at", "since", "waits_at", "created_at")


def loc(line: int, function: str | None = "work") -> Location:
    return Location("/srv/app/jobs.py", line, function)


class Graph:
    """A two-task lock cycle plus an orphaned lock, as a GraphView."""

    def __init__(self) -> None:
        stack = (loc(30, "main"), loc(12))
        self.tasks = {
            "T1": TaskNode("T1", "worker-1", WaitNode("L2", loc(10)), stack=stack),
            "T2": TaskNode("T2", "worker-2", WaitNode("L1", loc(10)), stack=(loc(11),)),
            "T3": TaskNode("T3", "reader", WaitNode("L3", loc(20)), stack=(loc(20),)),
            "T4": TaskNode("T4", "writer", None, ended="raised", exception="OSError('x')"),
        }
        self.resources = {
            "L1": ResourceNode(
                "L1", "Lock", (HoldNode("T1", loc(7)),), name="a.lock", created_at=loc(3, None)
            ),
            "L2": ResourceNode(
                "L2", "Lock", (HoldNode("T2", loc(7)),), name="b.lock", created_at=loc(3, None)
            ),
            "L3": ResourceNode("L3", "Semaphore", (HoldNode("T4", None),), detail="0 of 1"),
        }

    def task(self, key: str) -> TaskNode:
        return self.tasks[key]

    def resource(self, key: str) -> ResourceNode:
        return self.resources[key]


def findings() -> list[Finding]:
    graph = Graph()
    cycle = find_deadlock(graph, "T1")
    orphan = find_deadlock(graph, "T3")
    assert cycle is not None and orphan is not None
    potential = Finding(
        LOCK_ORDER,
        "two locks taken in opposite orders",
        None,
        edges=(Edge("T1", "L1", None, None, None),),
        tasks=(TaskReport("T1", "worker-1", "running", holds=(Hold("L1", None),)),),
        resources=(Resource("L1", "Lock"),),
    )
    return [explain(cycle), explain(orphan), potential]


def locations(data: Any) -> list[Any]:
    """Every value in the report that is a source location."""
    found: list[Any] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in LOCATION_KEYS:
                if value is not None:
                    found.append(value)
            elif key == "stack":
                found.extend(value)
            else:
                found.extend(locations(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(locations(item))
    return found


@pytest.fixture
def report() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json_report.render(findings()))
    return data


def test_kinds_and_codes_match_the_contract() -> None:
    assert {name: (k.code, k.definite) for name, k in KINDS.items()} == CONTRACT
    assert len({k.code for k in KINDS.values()}) == len(KINDS)


def test_top_level_shape(report: dict[str, Any]) -> None:
    assert report["format_version"] == 1
    assert report["tool"]["name"] == "aiodeadlock"
    assert report["deadlocked"] is True
    assert [f["kind"] for f in report["findings"]] == ["wait-cycle", "orphaned-lock", "lock-order"]


def test_render_is_json_of_to_data() -> None:
    found = findings()
    text = json_report.render(found)
    assert text.endswith("\n")
    assert json.loads(text) == json.loads(json.dumps(json_report.to_data(found)))


def test_empty_report() -> None:
    data = json.loads(json_report.render([]))
    assert data["format_version"] == 1
    assert data["findings"] == []
    assert data["deadlocked"] is False


def test_only_potential_findings_is_not_deadlocked() -> None:
    data = json_report.to_data(findings()[2:])
    assert data["deadlocked"] is False


def test_every_finding_has_the_contract_fields(report: dict[str, Any]) -> None:
    for f in report["findings"]:
        code, definite = CONTRACT[f["kind"]]
        assert f["code"] == code
        assert f["definite"] is definite
        assert isinstance(f["message"], str) and f["message"]
        assert "\n" not in f["message"]
        for task in f["tasks"]:
            assert {"name", "waits_for", "holds", "stack"} <= task.keys()
        for res in f["resources"]:
            assert {"type", "created_at"} <= res.keys()


def test_every_location_is_an_object_with_file_and_line(report: dict[str, Any]) -> None:
    found = locations(report)
    assert len(found) >= 10
    for location in found:
        assert isinstance(location, dict), location
        assert isinstance(location["file"], str) and location["file"]
        assert type(location["line"]) is int and location["line"] >= 1
        assert set(location) <= {"file", "line", "function"}


def test_location_function_only_when_known() -> None:
    assert loc(5).to_json() == {"file": "/srv/app/jobs.py", "line": 5, "function": "work"}
    assert loc(5, None).to_json() == {"file": "/srv/app/jobs.py", "line": 5}


def test_cycle_edges_name_waiters_holders_and_lines(report: dict[str, Any]) -> None:
    cycle = report["findings"][0]
    ids = {t["id"]: t["name"] for t in cycle["tasks"]}
    edges = [
        (ids[e["waiter"]], ids[e["holder"]], e["wait_at"]["line"], e["since"]["line"])
        for e in cycle["edges"]
    ]
    assert edges == [("worker-1", "worker-2", 10, 7), ("worker-2", "worker-1", 10, 7)]
    assert cycle["location"]["line"] == 10
    names = {r["name"] for r in cycle["resources"]}
    assert names == {"a.lock", "b.lock"}


def test_orphan_names_the_dead_task(report: dict[str, Any]) -> None:
    orphan = report["findings"][1]
    dead = [t for t in orphan["tasks"] if t["ended"]]
    assert [(t["name"], t["ended"], t["exception"]) for t in dead] == [
        ("writer", "raised", "OSError('x')")
    ]
    assert "writer" in orphan["message"]


def test_text_report_puts_the_cycle_first() -> None:
    text = text_report.render(findings()[:1])
    lines = text.splitlines()
    assert lines[0] == "aiodeadlock: deadlock detected: wait-cycle (DL102)"
    assert "worker-1" in lines[1] and "worker-2" in lines[1]
    edge_lines = [line for line in lines if "waits at" in line]
    assert len(edge_lines) == 2
    assert "Traceback" not in text

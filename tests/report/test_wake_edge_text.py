"""Wake edges ("which task 'b' would set (did at ...)") and locks handed over, in the text,
JSON, named lines and graph of a finding."""

from __future__ import annotations

import json

from aiodeadlock.model.findings import WAIT_CYCLE, Edge, Finding, Hold, Resource, TaskReport
from aiodeadlock.model.location import Location
from aiodeadlock.model.report import Report
from aiodeadlock.report.findinggraph import build
from aiodeadlock.report.namedlines import named_lines
from aiodeadlock.report.text import render_finding

FILE = "/srv/app.py"


def at(line: int, function: str = "work") -> Location:
    return Location(FILE, line, function)


def cycle() -> Finding:
    event = Resource("R1", "Event", "ready", at(3))
    lock = Resource("R2", "Lock", "lock", at(4))
    main = TaskReport(
        "T1",
        "main",
        "waiting",
        "R1",
        at(16),
        holds=(Hold("R2", at(14), released_by="starter", released_at=at(30, "start")),),
        stack=(at(16),),
    )
    setter = TaskReport("T2", "setter", "waiting", "R2", at(8), stack=(at(8),))
    edges = (
        Edge("T1", "R1", at(16), "T2", at(9), "wakes"),
        Edge("T2", "R2", at(8), "T1", at(14)),
    )
    return Finding(
        WAIT_CYCLE,
        "2 tasks wait",
        at(16),
        edges,
        (main, setter),
        (event, lock),
        members=("T1", "T2"),
    )


def test_text_says_who_would_wake_it_and_where_it_did() -> None:
    text = render_finding(cycle())
    assert "for Event 'ready' (created at /srv/app.py:3), which task 'setter' would set" in text
    assert "would set (did at /srv/app.py:9)" in text
    assert "held by task 'main' since /srv/app.py:14" in text
    assert "(handed over by task 'starter', released at /srv/app.py:30)" in text


def test_json_keeps_the_relation_and_the_hand_over() -> None:
    data = json.loads(json.dumps(Report(findings=(cycle(),)).to_json()))
    finding = data["findings"][0]
    assert finding["edges"][0]["relation"] == "wakes"
    hold = finding["tasks"][0]["holds"][0]
    assert hold["released_by"] == "starter"
    assert hold["released_at"] == {"file": FILE, "line": 30, "function": "start"}
    again = Report.from_json(data).findings[0]
    assert again == cycle()


def test_named_lines_say_what_happened_on_each_line() -> None:
    notes = {(n.location.line, n.note) for n in named_lines(cycle())}
    assert (9, "task 'setter' set Event 'ready' (and would again)") in notes
    assert (30, "task 'starter' released Lock 'lock' to task 'main'") in notes


def test_graph_labels_a_wake_edge() -> None:
    graph = build(cycle())
    verbs = [a.verb for a in graph.arrows if a.kind == "hold"]
    assert "would be woken by, who did at" in verbs

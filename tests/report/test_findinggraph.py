"""A finding's graph: the cycle marked, collateral waiters greyed, labels with file:line."""

from __future__ import annotations

import dataclasses

import report_samples as samples

from aiodeadlock.model.findings import STALL, Edge, Finding, TaskReport
from aiodeadlock.report.findinggraph import (
    COLLATERAL,
    CYCLE,
    INVOLVED,
    FindingGraph,
    build,
)

SOURCE = "/srv/app/bank.py"


def roles(graph: FindingGraph) -> dict[str, str]:
    return {n.key: n.role for n in graph.nodes}


def arrow(graph: FindingGraph, source: str, target: str) -> tuple[str, str]:
    (found,) = [a for a in graph.arrows if (a.source, a.target) == (source, target)]
    return found.label, found.role


def test_the_cycle_is_marked_and_its_bystander_greyed() -> None:
    graph = build(samples.lock_cycle(SOURCE))
    assert roles(graph) == {
        "T1": CYCLE,
        "T2": CYCLE,
        "L1": CYCLE,
        "L2": CYCLE,
        "T3": COLLATERAL,  # the auditor waits on lock_a but is not on the cycle
    }
    assert arrow(graph, "T1", "L2") == (f"waits at bank.py:{samples.WAIT_B}", CYCLE)
    assert arrow(graph, "L2", "T2") == (f"held since bank.py:{samples.TAKE_B}", CYCLE)
    assert arrow(graph, "T3", "L1") == (f"waits at bank.py:{samples.AUDIT_WAIT}", COLLATERAL)
    assert [n.role for n in graph.nodes[:4]] == [CYCLE] * 4  # the cycle is laid out first
    assert len(graph.arrows) == 5
    assert graph.left_out == ()


def test_nodes_say_what_they_are() -> None:
    graph = build(samples.lock_cycle(SOURCE))
    worker = graph.node("T1")
    lock = graph.node("L1")
    assert worker is not None and lock is not None
    assert (worker.shape, worker.caption, worker.name, worker.detail) == (
        "task",
        "task",
        "worker-1",
        "in transfer_ab()",
    )
    assert (lock.shape, lock.caption, lock.name) == ("resource", "Lock", "lock_a")
    assert lock.detail == f"created at bank.py:{samples.CREATE_A}"


def test_an_awaited_task_is_drawn_once_as_a_task() -> None:
    graph = build(samples.awaited_cycle(SOURCE))
    assert {n.key for n in graph.nodes} == {"T1", "T2"}  # no separate "Task" resources
    assert arrow(graph, "T1", "T2") == ("awaits at bank.py:9", CYCLE)
    assert arrow(graph, "T2", "T1") == ("awaits at bank.py:16", CYCLE)


def test_without_a_cycle_nothing_is_greyed() -> None:
    graph = build(samples.orphan(SOURCE))
    assert set(roles(graph).values()) == {INVOLVED}
    holder = graph.node("T2")
    assert holder is not None and holder.ended
    assert holder.caption == "task · ended (raised)"
    assert holder.detail == "ValueError('boom')"
    assert arrow(graph, "L1", "T2") == (f"held since bank.py:{samples.TAKE_A}", INVOLVED)


def test_lock_order_paths_form_the_cycle_and_their_holds_come_from_the_tasks() -> None:
    graph = build(samples.lock_order(SOURCE))  # its edges name no holder
    assert set(roles(graph).values()) == {CYCLE}
    assert arrow(graph, "P1", "L2") == (f"takes at bank.py:{samples.WAIT_B}", CYCLE)
    assert arrow(graph, "L1", "P1") == (f"taken at bank.py:{samples.TAKE_A}", CYCLE)
    first = graph.node("P1")
    assert first is not None and first.caption == "code path 1 · task"
    lock = graph.node("L1")
    assert lock is not None and lock.detail.endswith(" · instance 1")


def test_threads_and_unknown_keys() -> None:
    thread = TaskReport("H1", "pool-worker", "blocked", "R9", None, actor="thread")
    finding = Finding(
        STALL,
        "stuck",
        None,
        (Edge("H1", "R9", None, "T404", None),),
        (thread,),
        (),
    )
    graph = build(finding)
    h1, r9, t404 = graph.node("H1"), graph.node("R9"), graph.node("T404")
    assert h1 is not None and h1.shape == "thread" and h1.caption == "thread"
    assert r9 is not None and r9.shape == "resource" and r9.name == "R9"  # named by its key
    assert r9.caption == "resource"
    assert t404 is not None and t404.shape == "task"
    assert arrow(graph, "H1", "R9")[0] == "waits for"  # no location: no place in the label


def test_a_large_graph_keeps_its_cycle_and_lists_the_rest() -> None:
    graph = build(samples.crowd(SOURCE, 60))
    assert {n.key for n in graph.nodes} == {"T1", "T2", "L1", "L2"}
    assert {n.key for n in graph.left_out} == {"T3", *(f"W{i}" for i in range(60))}
    kept = {n.key for n in graph.nodes}
    assert all(a.source in kept and a.target in kept for a in graph.arrows)
    assert len(graph.arrows) == 4


def test_a_large_graph_without_a_cycle_keeps_where_it_was_caught() -> None:
    graph = build(samples.stall(SOURCE, 50), max_nodes=40)
    assert len(graph.nodes) == 40  # never more than the limit
    assert graph.node("E1") is not None  # what they all wait for
    assert len(graph.left_out) == 11


def test_labels_tell_files_with_the_same_name_apart() -> None:
    finding = samples.lock_cycle(SOURCE)
    other = samples.at("/srv/lib/bank.py", 3)
    moved = dataclasses.replace(finding.tasks[0], waits_at=other)
    edges = (dataclasses.replace(finding.edges[0], wait_at=other), *finding.edges[1:])
    graph = build(dataclasses.replace(finding, edges=edges, tasks=(moved, *finding.tasks[1:])))
    assert arrow(graph, "T1", "L2")[0] == "waits at lib/bank.py:3"
    assert arrow(graph, "L2", "T2")[0] == f"held since app/bank.py:{samples.TAKE_B}"

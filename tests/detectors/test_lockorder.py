"""The lock-order graph: cycles, gate locks, counts, bounded instance edges."""

from __future__ import annotations

from collections.abc import Hashable

from aiodeadlock.detectors import lockorder
from aiodeadlock.detectors.lockorder import OrderEdge, OrderGraph, explain_inversion
from aiodeadlock.model.findings import LOCK_ORDER, Resource
from aiodeadlock.model.location import Location


def edge(a: str, b: str, gates: frozenset[Hashable] = frozenset(), line: int = 1) -> OrderEdge:
    return OrderEdge(
        held=a,
        taken=b,
        task=f"task-{a}{b}",
        held_at=Location("app.py", line),
        taken_at=Location("app.py", line + 1),
        held_label=Resource(a, "Lock", a),
        taken_label=Resource(b, "Lock", b),
        gates=gates,
    )


def test_two_lock_inversion_is_a_cycle_reported_once() -> None:
    g = OrderGraph()
    assert g.add(edge("A", "B")) is None
    cycle = g.add(edge("B", "A", line=10))
    assert cycle is not None and [(e.held, e.taken) for e in cycle] == [("B", "A"), ("A", "B")]
    assert g.add(edge("B", "A")) is None  # seen again: counted, not reported again
    assert g.edges[("B", "A")].count == 2


def test_three_lock_cycle() -> None:
    g = OrderGraph()
    assert g.add(edge("A", "B")) is None
    assert g.add(edge("B", "C")) is None
    cycle = g.add(edge("C", "A"))
    assert cycle is not None and len(cycle) == 3


def test_consistent_order_is_not_a_cycle() -> None:
    g = OrderGraph()
    for _ in range(3):
        assert g.add(edge("A", "B")) is None
        assert g.add(edge("B", "C")) is None
        assert g.add(edge("A", "C")) is None


def test_common_gate_lock_suppresses_the_inversion() -> None:
    g = OrderGraph()
    assert g.add(edge("A", "B", gates=frozenset({"G"}))) is None
    assert g.add(edge("B", "A", gates=frozenset({"G", "H"}))) is None


def test_gate_not_held_every_time_does_not_suppress() -> None:
    g = OrderGraph()
    assert g.add(edge("A", "B", gates=frozenset({"G"}))) is None
    g.add(edge("A", "B", gates=frozenset()))  # once without the gate: gates intersect to {}
    assert g.add(edge("B", "A", gates=frozenset({"G"}))) is not None


def test_instance_edges_are_bounded(monkeypatch: object) -> None:
    g = OrderGraph()
    limit = lockorder.MAX_INSTANCE_EDGES
    for i in range(limit + 50):
        g.add(edge(f"i{i}", f"j{i}"), instance=True)
    assert g.instance_edges == limit
    assert len(g.edges) == limit


def test_explain_names_both_paths_with_their_lines() -> None:
    g = OrderGraph()
    g.add(edge("A", "B", line=6))
    cycle = g.add(edge("B", "A", line=20))
    assert cycle is not None
    finding = explain_inversion(cycle)
    assert finding.kind is LOCK_ORDER and not finding.definite
    assert {6, 7, 20, 21} <= set(finding.lines())
    assert "seen 1x" in finding.message

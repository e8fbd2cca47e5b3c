"""DL204: two code paths take the same two locks in opposite orders (or against config)."""

from __future__ import annotations

from typing import NamedTuple

from aiodeadlock.check.callgraph import node_qual
from aiodeadlock.check.effects import Effect, effects_of
from aiodeadlock.check.findings import Finding, where
from aiodeadlock.check.project import Project
from aiodeadlock.check.refs import has_param
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.summary import Held, Related


class Edge(NamedTuple):
    """`inner` acquired (at effect.at) while `outer` is held (at held.at)."""

    effect: Effect
    held: Held
    gates: frozenset[str]


def _edges(p: Project) -> dict[tuple[str, str], list[Edge]]:
    edges: dict[tuple[str, str], list[Edge]] = {}
    seen: set[tuple[object, ...]] = set()
    for node, effects in effects_of(p).items():
        fn = p.functions[node_qual(node)]
        for e in effects:
            if e.op != "acq" or has_param(e.ref) or not p.kind_in(fn, e.ref, "ordered"):
                continue
            refs = {h.ref for h in e.held}
            for h in e.held:
                if h.ref == e.ref or has_param(h.ref):
                    continue
                key = (h.ref, e.ref, h.at, e.at, e.via)
                if key in seen or not p.kind_in(fn, h.ref, "ordered"):
                    continue
                seen.add(key)
                gates = frozenset(refs - {h.ref, e.ref})
                edges.setdefault((h.ref, e.ref), []).append(Edge(e, h, gates))
    return edges


def _related(p: Project, edge: Edge, label: str) -> list[Related]:
    out = [Related(edge.held.at, f"{label}{p.display(edge.held.ref)} acquired here")]
    if edge.effect.via is not None:
        out.append(Related(edge.effect.via, f"{label}through this call"))
    return out


def _order_index(p: Project, ref: str) -> int | None:
    name = p.full_name(ref)
    for i, entry in enumerate(p.lock_order):
        if name == entry or name.endswith("." + entry):
            return i
    return None


def check(p: Project) -> list[Finding]:
    """Report inversions not guarded by a common lock, and violations of the declared order."""
    out: list[Finding] = []
    edges = _edges(p)
    for (a, b), forward in edges.items():
        backward = edges.get((b, a), [])
        for e1 in forward:
            for e2 in backward:
                if e1.gates & e2.gates:
                    continue
                outer, inner = p.display(a), p.display(b)
                here = e1.effect.at
                other = e2.effect.at
                related = [
                    *_related(p, e1, ""),
                    Related(other, f"opposite order: {outer} acquired while holding {inner}"),
                    *_related(p, e2, "opposite order: "),
                ]
                out.append(
                    Finding(
                        "DL204",
                        e1.effect.at,
                        f"lock-order inversion: {inner} is acquired while holding {outer} "
                        f"({where(e1.held.at, here)}), but {outer} is acquired while holding "
                        f"{inner} at {where(other, here)}; two tasks can deadlock",
                        tuple(related),
                    )
                )
                break
    if p.lock_order:
        for (a, b), forward in edges.items():
            ia, ib = _order_index(p, a), _order_index(p, b)
            if ia is None or ib is None or ib >= ia:
                continue
            for edge in forward:
                out.append(
                    Finding(
                        "DL204",
                        edge.effect.at,
                        f"{p.display(b)} is acquired while holding {p.display(a)}, against the "
                        f"declared lock order ({p.full_name(b)} before {p.full_name(a)})",
                        tuple(_related(p, edge, "")),
                    )
                )
    return out


RULE = Rule(
    "DL204",
    "lock-order",
    "Two code paths acquire the same two locks in opposite orders (lock-order inversion), "
    "or against the lock order declared in [tool.aiodeadlock] lock-order.",
    "Acquire locks in one global order everywhere (declare it in `lock-order`), or take "
    "both under one outer lock.",
    check=check,
)

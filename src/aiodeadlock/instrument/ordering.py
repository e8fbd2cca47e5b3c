"""Feed the lock-order graph: each time a task holding locks asks for another one."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from typing import Any

from aiodeadlock.detectors.lockorder import OrderEdge, OrderGraph
from aiodeadlock.instrument.naming import created_name
from aiodeadlock.instrument.primitives import is_lock
from aiodeadlock.instrument.sites import line_of, location
from aiodeadlock.model.findings import Resource

graph = OrderGraph()
#: Cycles found so far (their edges keep counting as the program runs).
cycles: list[list[OrderEdge]] = []
_guard = threading.Lock()
_refs: dict[tuple[Hashable, Hashable], tuple[weakref.ref[Any], weakref.ref[Any]]] = {}
_dead: list[tuple[Hashable, Hashable]] = []


def reset() -> None:
    global graph
    with _guard:
        graph = OrderGraph()
        cycles.clear()
        _refs.clear()
        _dead.clear()


#: Lock classes (creation sites) as small positive ints, so graph keys hash fast; an
#: instance of a class is keyed by its negated id() instead (see on_nested).
_class_ids: dict[tuple[str, int], int] = {}
NOT_ORDERED = 0  # cached class of a primitive the graph leaves out


def _class_of(prim: Any) -> int:
    """The lock class of `prim` (its creation site), cached on it; NOT_ORDERED if it is
    not lock-like (a semaphore with more than one permit) or its creation is unknown."""
    cls: int | None = prim._adl_class
    if cls is None:
        created = prim._adl_created
        if created is None or not (is_lock(prim) or getattr(prim, "_adl_total", None) == 1):
            cls = NOT_ORDERED
        else:
            code, lasti = created
            site = (code.co_filename, line_of(code, lasti))
            cls = _class_ids.setdefault(site, len(_class_ids) + 1)
        prim._adl_class = cls
    return cls


def _label(prim: Any, key: str) -> Resource:
    created = prim._adl_created
    at = None if created is None else location(*created)
    name = None if created is None else created_name(*created)
    return Resource(key, type(prim).__name__, name, at)


def on_nested(st: Any, prim: Any, frame: Any) -> None:
    """`st`'s task holds `st.held` and now asks for `prim` at `frame`."""
    taken = prim._adl_class
    if taken is None:
        taken = _class_of(prim)
    if taken == NOT_ORDERED:
        return
    held = st.held
    grouped = st.group
    edges = graph.edges
    if _dead:
        with _guard:
            _drop_dead()
    for h in held:
        cls = h._adl_class
        if cls is None:
            cls = _class_of(h)
        if cls == NOT_ORDERED or h is prim:
            continue
        if grouped and id(h) in grouped and id(prim) in grouped:
            continue
        instance = cls == taken
        key = (-id(h), -id(prim)) if instance else (cls, taken)
        gates = _NO_GATES
        if len(held) > 1:  # the other locks held around this pair
            gates = frozenset(c for o in held if o is not h and (c := _class_of(o)) != NOT_ORDERED)
        old = edges.get(key)
        if old is not None:
            # Seen before: count it; the common gates can only shrink. (No lock: a count
            # lost to a race between two loop threads only makes a figure a little low.)
            old.count += 1
            if old.gates:
                old.gates = old.gates & gates
            continue
        with _guard:
            if key not in edges:
                _new_edge(st, h, prim, key[0], key[1], gates, instance, frame)


_NO_GATES: frozenset[Hashable] = frozenset()


def _new_edge(
    st: Any,
    h: Any,
    prim: Any,
    a: Hashable,
    b: Hashable,
    gates: frozenset[Hashable],
    instance: bool,
    frame: Any,
) -> None:
    owner_code, owner_lasti = _held_site(h, st)
    edge = OrderEdge(
        held=a,
        taken=b,
        task=st.name(),
        held_at=None if owner_code is None else location(owner_code, owner_lasti),
        taken_at=None if frame is None else location(frame.f_code, frame.f_lasti),
        held_label=_label(h, "L1"),
        taken_label=_label(prim, "L2"),
        gates=gates,
    )
    if instance:
        before = len(graph.edges)
        cycle = graph.add(edge, instance=True)
        if len(graph.edges) > before:  # kept (not over the cap)
            forget = _forgetter((a, b))
            _refs[(a, b)] = (weakref.ref(h, forget), weakref.ref(prim, forget))
        if cycle is not None and not _alive(cycle):
            return
    else:
        cycle = graph.add(edge)
    if cycle is not None:
        _relabel(cycle)
        cycles.append(cycle)


def _forgetter(key: tuple[Hashable, Hashable]) -> Any:
    """A weakref callback dropping an instance edge once one of its locks is gone."""

    def forget(_ref: Any) -> None:
        # Runs whenever the collector frees the lock, maybe in the middle of an update:
        # only queue the key; on_nested drops queued edges when it holds the guard.
        _dead.append(key)

    return forget


def _drop_dead() -> None:
    while _dead:
        key = _dead.pop()
        if _refs.pop(key, None) is not None:
            graph.forget_instance([key])


def _held_site(prim: Any, st: Any) -> tuple[Any, int]:
    if is_lock(prim):
        return prim._adl_code, prim._adl_lasti
    entry = (prim.__dict__.get("_adl_holders") or {}).get(st)
    return (entry[1], entry[2]) if entry else (None, -1)


def _alive(cycle: list[OrderEdge]) -> bool:
    """Instance edges name locks by id: make sure those locks still exist."""
    dead = [
        (e.held, e.taken)
        for e in cycle
        if (e.held, e.taken) in _refs and any(r() is None for r in _refs[(e.held, e.taken)])
    ]
    if dead:
        graph.forget_instance(dead)
        for key in dead:
            _refs.pop(key, None)
        return False
    return True


def _relabel(cycle: list[OrderEdge]) -> None:
    """Give the same lock the same key everywhere in one cycle's report."""
    keys: dict[Hashable, str] = {}
    instances = [n for e in cycle for n in (e.held, e.taken) if isinstance(n, int) and n < 0]
    numbers = {n: i for i, n in enumerate(dict.fromkeys(instances), 1)}
    for e in cycle:
        for node, attr in ((e.held, "held_label"), (e.taken, "taken_label")):
            key = keys.setdefault(node, f"L{len(keys) + 1}")
            label: Resource = getattr(e, attr)
            detail = f"instance {numbers[node]}" if node in numbers else None
            setattr(e, attr, Resource(key, label.type, label.name, label.created_at, detail))


def findings() -> list[Any]:
    """One potential-deadlock finding per lock-order cycle seen so far (current counts)."""
    from aiodeadlock.detectors.lockorder import explain_inversion

    with _guard:
        return [explain_inversion(c) for c in cycles]

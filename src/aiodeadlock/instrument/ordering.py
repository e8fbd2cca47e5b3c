"""Record lock order: each time a task holding locks asks for another, an edge to a sink.

Locks are grouped in classes by their creation site (small ints, so graph keys hash
fast); two locks of one class nested in each other are keyed per instance instead (their
negated ids, kept on each lock as `_adl_ikey` once its class is known), and those instance
edges are forgotten when either lock is freed.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any

from aiodeadlock.instrument.naming import created_name
from aiodeadlock.instrument.primitives import is_lock
from aiodeadlock.instrument.sites import line_of, location
from aiodeadlock.model.findings import Resource
from aiodeadlock.model.location import Location
from aiodeadlock.model.lockorder import OrderEdge

#: The lock class of a primitive the lock-order graph leaves out (cached on it).
NOT_ORDERED = 0
_NO_GATES: frozenset[Hashable] = frozenset()
#: Entries a site cache holds before it is emptied (code made at run time could grow it).
_CACHE_LIMIT = 4096


class OrderRecorder:
    """Turns nested acquires into OrderEdges for `sink`, which returns whether it kept a
    new edge. `known` is the sink's table of edges seen so far (counted here directly)."""

    def __init__(
        self,
        known: dict[tuple[Hashable, Hashable], OrderEdge],
        sink: Callable[[OrderEdge, bool], bool],
        forget: Callable[[list[tuple[Hashable, Hashable]]], None],
    ) -> None:
        self.known = known
        self.sink = sink
        self.forget = forget
        self._guard = threading.Lock()
        #: Creation sites of lock classes -> their small int ids.
        self._class_ids: dict[tuple[str, int], int] = {}
        #: Instance edges -> weak references to their two locks.
        self.refs: dict[tuple[Hashable, Hashable], tuple[weakref.ref[Any], weakref.ref[Any]]] = {}
        self._dead: list[tuple[Hashable, Hashable]] = []
        #: Sites and labels of new edges, resolved once per (code, offset): many locks made
        #: on one line (a list of them) make many instance edges with the same sites. Keyed
        #: by id(code) (a code object hashes by content, slowly); the code is kept with
        #: the entry, so that id stays its own.
        self._locations: dict[tuple[int, int], tuple[Any, Location | None]] = {}
        self._labels: dict[tuple[int, int, type, str], tuple[Any, Resource]] = {}

    def class_of(self, prim: Any) -> int:
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
                cls = self._class_ids.setdefault(site, len(self._class_ids) + 1)
            prim._adl_ikey = -id(prim)  # its key in instance edges (made once)
            prim._adl_class = cls
        return cls

    def nested(self, st: Any, prim: Any, frame: Any) -> None:
        """`st`'s task holds `st.held` and now asks for `prim` at `frame`."""
        taken = prim._adl_class
        if taken is None:
            taken = self.class_of(prim)
        if taken == NOT_ORDERED:
            return
        held = st.held
        grouped = st.group
        edges = self.known
        if self._dead:
            with self._guard:
                self._drop_dead()
        for h in held:
            cls = h._adl_class
            if cls is None:
                cls = self.class_of(h)
            if cls == NOT_ORDERED or h is prim:
                continue
            if grouped and id(h) in grouped and id(prim) in grouped:
                continue
            instance = cls == taken
            if instance:  # keyed by the two locks (see class_of for their keys)
                key: tuple[Hashable, Hashable] = (h._adl_ikey, prim._adl_ikey)
            else:
                key = (cls, taken)
            old = edges.get(key)
            if old is not None:
                # Seen before: count it; the common gates can only shrink (and once none
                # are left, the locks held around this pair need not be read again). (No
                # lock: a count lost to a race between two loop threads only makes a figure
                # a little low.)
                old.count += 1
                if old.gates:
                    old.gates = old.gates & self._gates(held, h)
                continue
            with self._guard:
                if key not in edges:
                    self._new_edge(st, h, prim, key, self._gates(held, h), instance, frame)

    def _gates(self, held: list[Any], h: Any) -> frozenset[Hashable]:
        """The locks held around the pair (`h`, the one asked for), each as (its class, its
        id): only one and the same lock held on every path of a cycle keeps them apart; two
        instances of one class (per-key locks in a dict) are not a common gate."""
        if len(held) < 2:
            return _NO_GATES
        return frozenset(
            (c, id(o)) for o in held if o is not h and (c := self.class_of(o)) != NOT_ORDERED
        )

    def _new_edge(
        self,
        st: Any,
        h: Any,
        prim: Any,
        key: tuple[Hashable, Hashable],
        gates: frozenset[Hashable],
        instance: bool,
        frame: Any,
    ) -> None:
        owner_code, owner_lasti = _held_site(h, st)
        edge = OrderEdge(
            held=key[0],
            taken=key[1],
            task=st.name(),
            held_at=self._location(owner_code, owner_lasti),
            taken_at=None if frame is None else self._location(frame.f_code, frame.f_lasti),
            held_label=self._label(h, "L1"),
            taken_label=self._label(prim, "L2"),
            gates=gates,
        )
        if self.sink(edge, instance) and instance:
            forget = self._forgetter(key)
            self.refs[key] = (weakref.ref(h, forget), weakref.ref(prim, forget))

    def _location(self, code: Any, lasti: int) -> Location | None:
        """`location(code, lasti)`, cached (called under the guard)."""
        if code is None:
            return None
        cache = self._locations
        hit = cache.get((id(code), lasti))
        if hit is not None:
            return hit[1]
        found = location(code, lasti)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[id(code), lasti] = (code, found)
        return found

    def _label(self, prim: Any, key: str) -> Resource:
        """How a report names `prim` (type, name, creation site), cached per creation site."""
        created = prim._adl_created
        if created is None:
            return Resource(key, type(prim).__name__, None, None)
        code, lasti = created
        cache = self._labels
        ident = (id(code), lasti, type(prim), key)
        hit = cache.get(ident)
        if hit is not None:
            return hit[1]
        found = Resource(key, type(prim).__name__, created_name(code, lasti), location(code, lasti))
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[ident] = (code, found)
        return found

    def alive(self, keys: list[tuple[Hashable, Hashable]]) -> bool:
        """Whether the locks of these instance edges still exist (the dead ones are dropped)."""
        dead = [k for k in keys if k in self.refs and any(r() is None for r in self.refs[k])]
        if dead:
            self.forget(dead)
            for key in dead:
                self.refs.pop(key, None)
            return False
        return True

    def _forgetter(self, key: tuple[Hashable, Hashable]) -> Callable[[Any], None]:
        """A weakref callback dropping an instance edge once one of its locks is gone."""
        dead = self._dead

        def forget(_ref: Any) -> None:
            # Runs whenever the collector frees the lock, maybe in the middle of an
            # update: only queue the key; nested() drops queued edges under the guard.
            dead.append(key)

        return forget

    def _drop_dead(self) -> None:
        while self._dead:
            key = self._dead.pop()
            if self.refs.pop(key, None) is not None:
                self.forget([key])


def _held_site(prim: Any, st: Any) -> tuple[Any, int]:
    if is_lock(prim):
        return prim._adl_code, prim._adl_lasti
    entry = (prim.__dict__.get("_adl_holders") or {}).get(st)
    return (entry[1], entry[2]) if entry else (None, -1)

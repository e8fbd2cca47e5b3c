"""Tasks that ended while still holding a lock nobody has released since."""

from __future__ import annotations

from aiodeadlock.instrument import taskstate
from aiodeadlock.instrument.livegraph import LiveGraph, resource_key
from aiodeadlock.instrument.primitives import is_lock
from aiodeadlock.model.waitgraph import EndedHolder


def ended_holding() -> list[EndedHolder]:
    """Each task that raised or was cancelled while holding locks still held now.

    A task that returned holding a lock may have handed it over on purpose, and a
    semaphore permit kept at the end is usually a permit consumed, so neither counts.
    """
    found = []
    for st in list(taskstate.ended_holding):
        if st.ended not in (taskstate.RAISED, taskstate.CANCELLED):
            continue
        held = list({id(p): p for p in st.held if is_lock(p) and _still_held_by(p, st)}.values())
        if not held:
            continue
        graph = LiveGraph()
        key = graph.add_state(st)
        holds = []
        for prim in held:
            rkey = resource_key(prim)
            graph.prims[rkey] = prim
            res = graph.resource(rkey)
            holds.append((res, next((h.since for h in res.holders if h.task == key), None)))
        found.append(EndedHolder(graph.task(key), tuple(holds)))
    return found


def _still_held_by(prim: object, st: taskstate.TaskState) -> bool:
    if getattr(prim, "_adl_shared", False):  # released by others before: not owned
        return False
    owner = getattr(prim, "_adl_owner", None)
    if owner is not None or hasattr(prim, "_locked"):
        return owner is st and bool(getattr(prim, "_locked", False))
    holders = prim.__dict__.get("_adl_holders") or {}
    return bool(holders.get(st, [0])[0] > 0)
